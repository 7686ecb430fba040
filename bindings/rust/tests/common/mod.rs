//! A small linear host shared by the trainer tests: hidden states are X·W per module;
//! the student's W is trained by SGD from the trainer's gradients.
#![allow(dead_code)]
use optima::{CallbackResult, Context, Forward, LayerRef, LossKind, Matrix, Model, Policy, RunCallbacks, Side, Trainer};

pub const ROWS: usize = 6;
pub const IN: usize = 3;
pub const CLASSES: usize = 4;
pub const TEACHER_WIDTHS: [usize; 2] = [8, 6];
pub const STUDENT_WIDTHS: [usize; 2] = [4, 6];

/// Deterministic values in [-1, 1) (splitmix64).
pub fn values(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e3779b97f4a7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^= z >> 31;
            ((z >> 11) as f64 * (1.0 / (1u64 << 53) as f64) * 2.0 - 1.0) as f32
        })
        .collect()
}

pub fn matmul(x: &[f32], w: &[f32], rows: usize, inner: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for k in 0..inner {
            for j in 0..cols {
                out[r * cols + j] += x[r * inner + k] * w[k * cols + j];
            }
        }
    }
    out
}

pub fn models(ctx: &Context) -> (Model<'_>, Model<'_>) {
    let mut teacher = Model::new(ctx, "teacher").unwrap();
    let mut student = Model::new(ctx, "student").unwrap();
    for (m, name) in ["vision", "text"].iter().enumerate() {
        teacher.add_module(name, &[TEACHER_WIDTHS[m], TEACHER_WIDTHS[m]]).unwrap();
        student.add_module(name, &[STUDENT_WIDTHS[m]]).unwrap();
    }
    teacher.set_logits_width(CLASSES).unwrap();
    student.set_logits_width(CLASSES).unwrap();
    (teacher, student)
}

pub fn trainer<'a>(ctx: &'a Context, teacher: &'a Model<'a>, student: &'a Model<'a>) -> Trainer<'a> {
    let mut t = Trainer::new(ctx, teacher, student).unwrap();
    t.add_pair(0, 0, LossKind::Mse).unwrap();
    t.add_pair(1, 1, LossKind::Cosine).unwrap();
    t.set_round_length(2).unwrap();
    t.set_policy(Policy::Optima, 3).unwrap();
    t
}

pub struct Host {
    pub x: Vec<f32>,
    pub teacher_w: Vec<Vec<Vec<f32>>>,
    pub student_w: Vec<Vec<f32>>,
    pub teacher_z: Vec<f32>,
    pub student_z: Vec<f32>,
    pub target: Vec<f32>,
    pub teacher_h: Vec<Vec<Vec<f32>>>,
    pub student_h: Vec<Vec<f32>>,
    pub zs: Vec<f32>,
    pub zt: Vec<f32>,
    pub fail_at: Option<(&'static str, u64)>,
    pub panic_at: Option<(&'static str, u64)>,
}

impl Host {
    pub fn new() -> Host {
        let teacher_w = TEACHER_WIDTHS.iter().enumerate()
            .map(|(m, &w)| (0..2).map(|l| values(100 + 10 * m as u64 + l, IN * w)).collect())
            .collect();
        let student_w = STUDENT_WIDTHS.iter().enumerate()
            .map(|(m, &w)| values(200 + m as u64, IN * w).iter().map(|v| v * 0.5).collect())
            .collect();
        Host {
            x: Vec::new(),
            teacher_w,
            student_w,
            teacher_z: values(300, IN * CLASSES),
            student_z: values(301, IN * CLASSES),
            target: values(302, IN * CLASSES),
            teacher_h: Vec::new(),
            student_h: Vec::new(),
            zs: Vec::new(),
            zt: Vec::new(),
            fail_at: None,
            panic_at: None,
        }
    }

    fn trip(&self, name: &str, step: u64) -> CallbackResult {
        if self.panic_at == Some((leak(name), step)) {
            panic!("host panics in {} at {}", name, step);
        }
        if self.fail_at == Some((leak(name), step)) {
            return Err(format!("host fails in {} at {}", name, step).into());
        }
        Ok(())
    }

    pub fn batch(&mut self, step: u64) {
        self.x = values(777 + step, ROWS * IN);
        self.teacher_h = self.teacher_w.iter().enumerate()
            .map(|(m, ws)| ws.iter().map(|w| matmul(&self.x, w, ROWS, IN, TEACHER_WIDTHS[m])).collect())
            .collect();
        self.student_h = self.student_w.iter().enumerate()
            .map(|(m, w)| matmul(&self.x, w, ROWS, IN, STUDENT_WIDTHS[m]))
            .collect();
        self.zs = matmul(&self.x, &self.student_z, ROWS, IN, CLASSES);
        self.zt = matmul(&self.x, &self.teacher_z, ROWS, IN, CLASSES);
    }

    pub fn hidden(&self, r: &LayerRef) -> Matrix<'_> {
        let data = match r.side {
            Side::Student => &self.student_h[r.module],
            Side::Teacher => &self.teacher_h[r.module][r.layer],
        };
        Matrix::new(data, ROWS, r.width).unwrap()
    }

    fn sgd(x: &[f32], w: &mut [f32], grad: &[f32], cols: usize) {
        for k in 0..IN {
            for j in 0..cols {
                let g: f32 = (0..ROWS).map(|r| x[r * IN + k] * grad[r * cols + j]).sum();
                w[k * cols + j] -= 0.05 * g;
            }
        }
    }

    /// Applies the gradients and returns the task loss (MSE of logits vs X·target).
    pub fn learn(&mut self, needed: &[LayerRef], grads: &[Vec<f32>], logits_grad: &[f32]) -> f64 {
        for (r, g) in needed.iter().zip(grads) {
            if r.side == Side::Student && !g.is_empty() {
                Host::sgd(&self.x, &mut self.student_w[r.module], g, r.width);
            }
        }
        let y = matmul(&self.x, &self.target, ROWS, IN, CLASSES);
        let n = (ROWS * CLASSES) as f64;
        let mut loss = 0.0;
        let mut g = vec![0.0f32; ROWS * CLASSES];
        for i in 0..ROWS * CLASSES {
            let d = self.zs[i] as f64 - y[i] as f64;
            loss += d * d / n;
            g[i] = (2.0 * d / n) as f32 + logits_grad.get(i).copied().unwrap_or(0.0);
        }
        let x = self.x.clone();
        Host::sgd(&x, &mut self.student_z, &g, CLASSES);
        loss
    }

    /// Begins step `step`, hands every planned view (and the logits when needed) over and
    /// computes; returns the plan.
    pub fn begin_and_compute(&mut self, t: &mut Trainer, step: u64) -> Vec<LayerRef> {
        self.batch(step);
        let mut s = t.begin_step().unwrap();
        let plan = s.plan().unwrap();
        for r in &plan {
            s.set_hidden(r.side, r.module, r.layer, self.hidden(r)).unwrap();
        }
        if s.needs_logits().unwrap() {
            s.set_logits(Side::Student, Matrix::new(&self.zs, ROWS, CLASSES).unwrap()).unwrap();
            s.set_logits(Side::Teacher, Matrix::new(&self.zt, ROWS, CLASSES).unwrap()).unwrap();
        }
        s.compute().unwrap();
        plan
    }

    /// The host's backward pass with the trainer's gradients; returns the task loss.
    pub fn backward_with(&mut self, t: &Trainer, plan: &[LayerRef]) -> f64 {
        let grads: Vec<Vec<f32>> = plan.iter()
            .map(|r| if r.side == Side::Student { t.student_grad(r.module, r.layer).unwrap() } else { Vec::new() })
            .collect();
        let z = t.logits_grad().unwrap();
        self.learn(plan, &grads, &z)
    }

    /// One step through the step API.
    pub fn step(&mut self, t: &mut Trainer, step: u64) -> bool {
        let plan = self.begin_and_compute(t, step);
        let loss = self.backward_with(t, &plan);
        t.end_step(loss).unwrap()
    }
}

fn leak(name: &str) -> &'static str {
    match name {
        "next_batch" => "next_batch",
        "forward" => "forward",
        "backward" => "backward",
        _ => "round_end",
    }
}

impl RunCallbacks for Host {
    fn next_batch(&mut self, step: u64) -> CallbackResult {
        self.trip("next_batch", step)?;
        self.batch(step);
        Ok(())
    }

    fn forward<'h>(&'h mut self, step: u64, needed: &[LayerRef], out: &mut Forward<'h>) -> CallbackResult {
        self.trip("forward", step)?;
        let this: &'h Host = self;
        for (i, r) in needed.iter().enumerate() {
            out.set_hidden(i, this.hidden(r))?;
        }
        if out.want_logits() {
            out.set_logits(Matrix::new(&this.zs, ROWS, CLASSES)?, Matrix::new(&this.zt, ROWS, CLASSES)?)?;
        }
        Ok(())
    }

    fn backward(&mut self, step: u64, needed: &[LayerRef], grads: &[Vec<f32>], logits_grad: &[f32])
        -> Result<f64, Box<dyn std::error::Error>> {
        self.trip("backward", step)?;
        Ok(self.learn(needed, grads, logits_grad))
    }

    fn round_end(&mut self, round: u64, _arm: u32, _reward: f64) -> CallbackResult {
        self.trip("round_end", round)
    }
}

/// The run-loop host handing `sign` × its student hidden states as the task gradients of
/// the alignment reward (when `gives`).
pub struct AlignedHost {
    pub host: Host,
    pub sign: f32,
    pub gives: bool,
}

impl RunCallbacks for AlignedHost {
    fn next_batch(&mut self, step: u64) -> CallbackResult {
        self.host.next_batch(step)
    }
    fn forward<'h>(&'h mut self, step: u64, needed: &[LayerRef], out: &mut Forward<'h>) -> CallbackResult {
        self.host.forward(step, needed, out)
    }
    fn backward(&mut self, step: u64, needed: &[LayerRef], grads: &[Vec<f32>], logits_grad: &[f32])
        -> Result<f64, Box<dyn std::error::Error>> {
        self.host.backward(step, needed, grads, logits_grad)
    }
    fn gives_task_grads(&self) -> bool {
        self.gives
    }
    fn task_grad(&mut self, _step: u64, needed: &[LayerRef]) -> Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
        Ok(needed.iter().map(|r| match r.side {
            Side::Student => self.host.student_h[r.module].iter().map(|v| self.sign * v).collect(),
            Side::Teacher => Vec::new(),
        }).collect())
    }
}
