//! liboptima from Rust: the scheduler alone on a simulated bandit, then a trainer
//! distilling a two-module linear teacher into a student through the run loop.
//!
//! Run: cargo run --offline --example distill   (from bindings/rust; see bindings/README.md)
use optima::{
    CallbackResult, Context, Forward, LayerRef, LossKind, Matrix, Model, Policy, RunCallbacks,
    Scheduler, Side, Trainer,
};

const ROWS: usize = 16;
const IN: usize = 4;
const CLASSES: usize = 3;
const TEACHER: [usize; 2] = [12, 8];
const STUDENT: [usize; 2] = [6, 8];

/// A tiny deterministic generator for the host's data (not the library's).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn fill(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| scale * self.next()).collect()
    }
}

fn matmul(x: &[f32], w: &[f32], inner: usize, cols: usize) -> Vec<f32> {
    let rows = x.len() / inner;
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for k in 0..inner {
            let a = x[r * inner + k];
            for j in 0..cols {
                out[r * cols + j] += a * w[k * cols + j];
            }
        }
    }
    out
}

/// The host: linear modules; the teacher's are fixed, the student's learn by SGD.
struct Host {
    rng: Lcg,
    x: Vec<f32>,
    teacher_w: Vec<Vec<Vec<f32>>>,
    student_w: Vec<Vec<f32>>,
    teacher_h: Vec<Vec<Vec<f32>>>,
    student_h: Vec<Vec<f32>>,
    head_t: Vec<f32>,
    head_s: Vec<f32>,
    zt: Vec<f32>,
    zs: Vec<f32>,
}

impl Host {
    fn new() -> Host {
        let mut rng = Lcg(2024);
        let teacher_w = TEACHER.iter().map(|&w| (0..2).map(|_| rng.fill(IN * w, 1.0)).collect()).collect();
        let student_w = STUDENT.iter().map(|&w| rng.fill(IN * w, 0.1)).collect();
        let head_t = rng.fill(IN * CLASSES, 1.0);
        let head_s = rng.fill(IN * CLASSES, 0.1);
        Host { rng, x: vec![], teacher_w, student_w, teacher_h: vec![], student_h: vec![], head_t, head_s, zt: vec![], zs: vec![] }
    }

    fn sgd(&self, w: &mut [f32], grad: &[f32], cols: usize, lr: f32) {
        for k in 0..IN {
            for j in 0..cols {
                let g: f32 = (0..ROWS).map(|r| self.x[r * IN + k] * grad[r * cols + j]).sum();
                w[k * cols + j] -= lr * g;
            }
        }
    }
}

impl RunCallbacks for Host {
    fn next_batch(&mut self, _step: u64) -> CallbackResult {
        self.x = self.rng.fill(ROWS * IN, 1.0);
        Ok(())
    }

    fn forward<'h>(&'h mut self, _step: u64, needed: &[LayerRef], out: &mut Forward<'h>) -> CallbackResult {
        self.teacher_h = self.teacher_w.iter().zip(TEACHER)
            .map(|(ws, w)| ws.iter().map(|m| matmul(&self.x, m, IN, w)).collect()).collect();
        self.student_h = self.student_w.iter().zip(STUDENT).map(|(m, w)| matmul(&self.x, m, IN, w)).collect();
        self.zt = matmul(&self.x, &self.head_t, IN, CLASSES);
        self.zs = matmul(&self.x, &self.head_s, IN, CLASSES);
        let this: &'h Host = self;
        for (i, r) in needed.iter().enumerate() {
            let data = match r.side {
                Side::Student => &this.student_h[r.module],
                Side::Teacher => &this.teacher_h[r.module][r.layer],
            };
            out.set_hidden(i, Matrix::new(data, ROWS, r.width)?)?;
        }
        if out.want_logits() {
            out.set_logits(Matrix::new(&this.zs, ROWS, CLASSES)?, Matrix::new(&this.zt, ROWS, CLASSES)?)?;
        }
        Ok(())
    }

    fn backward(&mut self, _step: u64, needed: &[LayerRef], grads: &[Vec<f32>], logits_grad: &[f32])
        -> Result<f64, Box<dyn std::error::Error>> {
        for (r, g) in needed.iter().zip(grads) {
            if r.side == Side::Student && !g.is_empty() {
                let mut w = std::mem::take(&mut self.student_w[r.module]);
                self.sgd(&mut w, g, r.width, 0.2);
                self.student_w[r.module] = w;
            }
        }
        // Task: match the teacher's logits directly (MSE), plus the KL gradient.
        let n = self.zs.len() as f64;
        let mut task = 0.0;
        let mut g = vec![0.0f32; self.zs.len()];
        for i in 0..g.len() {
            let d = (self.zs[i] - self.zt[i]) as f64;
            task += d * d / n;
            g[i] = (2.0 * d / n) as f32 + logits_grad.get(i).copied().unwrap_or(0.0);
        }
        let mut head = std::mem::take(&mut self.head_s);
        self.sgd(&mut head, &g, CLASSES, 0.2);
        self.head_s = head;
        Ok(task)
    }

    fn round_end(&mut self, round: u64, arm: u32, reward: f64) -> CallbackResult {
        if round % 5 == 0 {
            println!("round {:3}: arm {} reward {:+.4}", round, arm, reward);
        }
        Ok(())
    }
}

fn bandit(ctx: &Context) -> optima::Result<()> {
    // Arm 2 (both modules) pays best at first, then module 0 alone: OPTIMA follows the change.
    let mut s = Scheduler::new(ctx, 2, Policy::Optima, 7)?;
    s.set_module_names(&["vision", "text"])?;
    s.set_window(16)?;
    let mut rng = Lcg(1);
    let mut late = [0u32; 3];
    for round in 0..200 {
        let arm = s.select()?;
        let best = if round < 100 { 2 } else { 0 };
        let reward = if arm == best { 0.5 } else { 0.1 } + 0.05 * rng.next() as f64;
        s.update(arm, reward)?;
        if round >= 150 {
            late[arm as usize] += 1;
        }
    }
    println!("scheduler: plays in the last 50 rounds: {} {} / {} {} / {} {}",
             s.arm_name(0)?, late[0], s.arm_name(1)?, late[1], s.arm_name(2)?, late[2]);
    Ok(())
}

/// Before BLIS starts: when BLIS_ARCH_TYPE is unset, pick BLIS's fastest compiled-in
/// configuration for this CPU (Debian's BLIS runs slow generic kernels on CPUs it does
/// not know, such as Zen 5); the rule of the project's C programs (src/core/blis_arch.h).
fn choose_blis() {
    if let Ok(set) = std::env::var("BLIS_ARCH_TYPE") {
        eprintln!("BLIS configuration from the environment: BLIS_ARCH_TYPE={set}");
        return;
    }
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags: Vec<&str> = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split(':').nth(1))
        .map(|f| f.split_whitespace().collect())
        .unwrap_or_default();
    let has = |names: &[&str]| names.iter().all(|n| flags.contains(n));
    let (name, value) = if has(&["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]) {
        ("skx", 0)
    } else if has(&["avx2", "fma"]) {
        if info.contains("AuthenticAMD") { ("zen3", 6) } else { ("haswell", 3) }
    } else {
        return;
    };
    std::env::set_var("BLIS_ARCH_TYPE", value.to_string());
    eprintln!("BLIS configuration '{name}' for this CPU (BLIS_ARCH_TYPE={value})");
}

fn main() -> optima::Result<()> {
    choose_blis();
    optima::check_version()?;
    println!("liboptima {}", optima::version_string());
    let ctx = Context::new()?;
    bandit(&ctx)?;

    let mut teacher = Model::new(&ctx, "teacher")?;
    let mut student = Model::new(&ctx, "student")?;
    for (m, name) in ["vision", "text"].iter().enumerate() {
        teacher.add_module(name, &[TEACHER[m], TEACHER[m]])?;
        student.add_module(name, &[STUDENT[m]])?;
    }
    teacher.set_logits_width(CLASSES)?;
    student.set_logits_width(CLASSES)?;
    let mut trainer = Trainer::new(&ctx, &teacher, &student)?;
    trainer.add_pair(0, 0, LossKind::Mse)?;
    trainer.add_pair(1, 1, LossKind::Cosine)?;
    trainer.set_round_length(5)?;
    trainer.set_policy(Policy::Optima, 11)?;
    let mut host = Host::new();
    trainer.run(&mut host, 150)?;
    let (steps, rounds) = trainer.progress()?;
    let first = trainer.round_record(0)?;
    let last = trainer.round_record(rounds - 1)?;
    println!("trainer: {} steps, {} rounds; reference loss {:.4e} -> {:.4e}",
             steps, rounds, first.mean_reference, last.mean_reference);
    if !(last.mean_reference < first.mean_reference) {
        return Err(optima::Error::binding(optima::Status::EINTERNAL, "the student did not learn".into()));
    }
    Ok(())
}
