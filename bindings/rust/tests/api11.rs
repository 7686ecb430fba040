//! The 1.1 safe API: schedule-only trainers, masked steps and view getters, the task
//! gradient of the step API, submitted evaluations, settings read back, round logs,
//! checkpoint files and streams, the reduction of data-parallel training, the scheduler's
//! change-point memory and its streams, the BLIS arch, attention MSE.
mod common;

use common::*;
use optima::{
    Context, Error, History, LogFormat, LossKind, Matrix, Optimizer, OptimizerParams, Policy, RewardKind,
    RewardSource, RewardTrend, Scheduler, Side, Status, Trainer, TrainerMode,
};

/// The error must have `status` and a message naming `word` (an argument or a call).
fn assert_fails_naming<T: std::fmt::Debug>(r: optima::Result<T>, status: Status, word: &str) -> Error {
    let e = r.unwrap_err();
    assert_eq!(e.status, status, "{}", e);
    assert!(e.message.contains(word), "'{}' not in: {}", word, e.message);
    e
}

/// What a full-mode step computed, for the schedule-only trainer to be fed.
struct Reported {
    pair_losses: Vec<Option<f64>>,
    kl: f64,
    task_loss: f64,
}

fn full_step(host: &mut Host, t: &mut Trainer, step: u64) -> Reported {
    let plan = host.begin_and_compute(t, step);
    let losses = t.losses().unwrap();
    let pair_losses: Vec<_> = (0..t.pair_count().unwrap()).map(|p| t.pair_loss_value(p).unwrap()).collect();
    let active: Vec<f64> = pair_losses.iter().flatten().copied().collect();
    let layer_term = if active.is_empty() { 0.0 } else { active.iter().sum::<f64>() / active.len() as f64 };
    assert!((losses.layer_term - layer_term).abs() <= 1e-12 * layer_term.abs().max(1.0));
    assert!(losses.kl > 0.0);
    let task_loss = host.backward_with(t, &plan);
    t.end_step(task_loss).unwrap();
    Reported { pair_losses, kl: losses.kl, task_loss }
}

#[test]
fn schedule_only_trainer_fed_the_full_modes_values_takes_the_same_decisions() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut full = trainer(&ctx, &teacher, &student);
    let mut sched = trainer(&ctx, &teacher, &student);
    assert_eq!(sched.mode().unwrap(), TrainerMode::Full);
    sched.set_mode(TrainerMode::ScheduleOnly).unwrap();
    assert_eq!(sched.mode().unwrap(), TrainerMode::ScheduleOnly);
    let mut host = Host::new();
    let x = vec![0.0f32; ROWS * STUDENT_WIDTHS[0]]; // outlives every step that borrows it
    for step in 0..12 {
        let r = full_step(&mut host, &mut full, step);
        let mut s = sched.begin_step().unwrap();
        if step == 0 {
            assert_fails_naming(s.set_hidden(Side::Student, 0, 0, Matrix::new(&x, ROWS, 4).unwrap()),
                                Status::ESTATE, "optima_trainer_set_hidden");
            assert_fails_naming(s.report_pair_loss(7, 1.0), Status::ENOTFOUND, "pair");
        }
        for (pair, loss) in r.pair_losses.iter().enumerate() {
            match loss {
                Some(v) => {
                    if step == 0 {
                        assert_fails_naming(s.report_pair_loss(pair, f64::NAN), Status::ENONFINITE, "loss");
                    }
                    s.report_pair_loss(pair, *v).unwrap()
                }
                None => assert_eq!(s.report_pair_loss(pair, 1.0).unwrap_err().status, Status::ENOTFOUND),
            }
        }
        if step == 0 {
            // The KL is still missing (α_pred = 1): the step cannot end. (The step's borrow
            // of the trainer ended with its last use above.)
            assert_fails_naming(sched.end_step(r.task_loss), Status::ESTATE, "optima_trainer_report_kl");
            s = sched.begin_step().unwrap(); // discards the step begun: report again
            for (pair, loss) in r.pair_losses.iter().enumerate() {
                if let Some(v) = loss {
                    s.report_pair_loss(pair, *v).unwrap();
                }
            }
        }
        s.report_kl(r.kl).unwrap();
        assert_eq!(s.compute().unwrap_err().status, Status::ESTATE);
        sched.end_step(r.task_loss).unwrap();
    }
    assert_eq!(full.progress().unwrap(), (12, 6));
    assert_eq!(sched.progress().unwrap(), (12, 6));
    for round in 0..6 {
        assert_eq!(full.round_record(round).unwrap(), sched.round_record(round).unwrap());
        for pair in 0..2 {
            assert_eq!(full.round_pair_loss(round, pair).unwrap(), sched.round_pair_loss(round, pair).unwrap());
        }
    }
    assert_fails_naming(sched.set_mode(TrainerMode::Full), Status::ESTATE, "optima_trainer_set_mode");
    let mut s = full.begin_step().unwrap();
    assert_eq!(s.report_kl(0.5).unwrap_err().status, Status::ESTATE);
}

#[test]
fn a_row_mask_makes_a_pairs_loss_the_one_of_the_rows_it_counts() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut masked = trainer(&ctx, &teacher, &student);
    let mut sliced = trainer(&ctx, &teacher, &student);
    masked.set_policy(Policy::All, 1).unwrap();
    sliced.set_policy(Policy::All, 1).unwrap();
    let mut host = Host::new();
    host.batch(0);
    let counted = 3;
    let mask: Vec<u8> = (0..ROWS).map(|r| (r < counted) as u8).collect();
    let logits_mask: Vec<u8> = (0..ROWS).map(|r| (r % 2) as u8).collect();
    let zs = Matrix::new(&host.zs, ROWS, CLASSES).unwrap();
    let zt = Matrix::new(&host.zt, ROWS, CLASSES).unwrap();

    let mut s = masked.begin_step().unwrap();
    let plan = s.plan().unwrap();
    for r in &plan {
        s.set_hidden(r.side, r.module, r.layer, host.hidden(r)).unwrap();
    }
    s.set_logits(Side::Student, zs).unwrap();
    s.set_logits(Side::Teacher, zt).unwrap();
    assert_eq!(s.row_mask(0).unwrap(), None);
    assert_fails_naming(s.set_row_mask(0, Some(&mask[..4])), Status::ESHAPE, "pair");
    assert_fails_naming(s.set_row_mask(5, Some(&mask)), Status::ENOTFOUND, "pair");
    s.set_row_mask(0, Some(&mask)).unwrap();
    s.set_logits_mask(Some(&logits_mask)).unwrap();
    // The getters give back the host's own bytes and views.
    assert_eq!(s.row_mask(0).unwrap().unwrap().as_ptr(), mask.as_ptr());
    assert_eq!(s.logits_mask().unwrap(), Some(&logits_mask[..]));
    let h = s.hidden(Side::Student, 0, 0).unwrap();
    assert_eq!((h.rows(), h.cols()), (ROWS, STUDENT_WIDTHS[0]));
    assert_eq!(s.logits(Side::Teacher).unwrap().cols(), CLASSES);
    assert_fails_naming(s.hidden(Side::Student, 7, 0), Status::ENOTFOUND, "module");
    s.compute().unwrap();
    let masked_loss = masked.pair_loss_value(0).unwrap().unwrap();
    let grad = masked.student_grad(0, 0).unwrap();
    let w = STUDENT_WIDTHS[0];
    assert!(grad[..counted * w].iter().any(|g| *g != 0.0));
    assert!(grad[counted * w..].iter().all(|g| *g == 0.0), "uncounted rows get zero gradients");

    let mut s = sliced.begin_step().unwrap();
    for r in &plan {
        let full = host.hidden(r);
        let view = if r.module == 0 {
            let data = match r.side {
                Side::Student => &host.student_h[0][..counted * r.width],
                Side::Teacher => &host.teacher_h[0][r.layer][..counted * r.width],
            };
            Matrix::new(data, counted, r.width).unwrap()
        } else {
            full
        };
        s.set_hidden(r.side, r.module, r.layer, view).unwrap();
    }
    s.set_logits(Side::Student, zs).unwrap();
    s.set_logits(Side::Teacher, zt).unwrap();
    s.compute().unwrap();
    let sliced_loss = sliced.pair_loss_value(0).unwrap().unwrap();
    assert!((masked_loss - sliced_loss).abs() <= 1e-6 * sliced_loss.abs(), "{} vs {}", masked_loss, sliced_loss);
    assert_eq!(masked.pair_loss_value(1).unwrap(), sliced.pair_loss_value(1).unwrap());

    // Without logits (α_pred = 0) a logits mask is refused.
    let mut t = trainer(&ctx, &teacher, &student);
    t.set_alpha_pred(0.0).unwrap();
    let mut s = t.begin_step().unwrap();
    assert_fails_naming(s.set_logits_mask(Some(&logits_mask)), Status::ESTATE, "optima_trainer_set_logits_mask");
}

#[test]
fn task_gradients_of_the_step_api_reward_the_alignment_as_the_run_loop_does() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let configure = |t: &mut Trainer| {
        t.set_policy(Policy::All, 3).unwrap();
        t.set_reward(RewardKind::Absolute, RewardSource::Alignment).unwrap();
    };
    let mut stepped = trainer(&ctx, &teacher, &student);
    configure(&mut stepped);
    let mut host = Host::new();
    for step in 0..8 {
        let plan = host.begin_and_compute(&mut stepped, step);
        let loss = host.backward_with(&stepped, &plan);
        for r in plan.iter().filter(|r| r.side == Side::Student) {
            if step == 0 {
                assert!(!stepped.task_grad_given(r.module, r.layer).unwrap());
                assert_fails_naming(stepped.end_step(loss), Status::ESTATE, "optima_trainer_set_task_grad");
                let short = Matrix::new(&host.student_h[r.module][..r.width], 1, r.width).unwrap();
                assert_fails_naming(stepped.set_task_grad(r.module, r.layer, short), Status::ESHAPE, "view");
            }
            // The view is read during the call: a temporary is enough.
            let g: Vec<f32> = host.student_h[r.module].clone();
            stepped.set_task_grad(r.module, r.layer, Matrix::new(&g, ROWS, r.width).unwrap()).unwrap();
            drop(g);
            assert!(stepped.task_grad_given(r.module, r.layer).unwrap());
            if step == 0 {
                let g = &host.student_h[r.module];
                assert_fails_naming(stepped.set_task_grad(r.module, r.layer, Matrix::new(g, ROWS, r.width).unwrap()),
                                    Status::ESTATE, "layer");
            }
        }
        stepped.end_step(loss).unwrap();
    }
    let mut looped = trainer(&ctx, &teacher, &student);
    configure(&mut looped);
    looped.run(&mut AlignedHost { host: Host::new(), sign: 1.0, gives: true }, 8).unwrap();
    for round in 0..4 {
        let (a, b) = (stepped.round_record(round).unwrap(), looped.round_record(round).unwrap());
        assert_eq!(a, b);
        assert!(a.reward != 0.0 && a.reward.abs() <= 1.0);
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("optima-rust-{}-{}", std::process::id(), name))
}

#[test]
fn trainer_settings_read_back_as_set_and_bad_values_are_refused() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut t = trainer(&ctx, &teacher, &student);
    assert_eq!(t.pair_count().unwrap(), 2);
    assert_eq!(t.pair_weight(1).unwrap(), 1.0);
    t.set_pair_weight(1, 0.25).unwrap();
    assert_eq!(t.pair_weight(1).unwrap(), 0.25);
    assert_fails_naming(t.set_pair_weight(1, -1.0), Status::EINVAL, "weight");
    assert_fails_naming(t.pair_weight(9), Status::ENOTFOUND, "pair");
    assert_eq!((t.alpha_pred().unwrap(), t.alpha_layer().unwrap()), (1.0, 1.0));
    t.set_alpha_layer(0.5).unwrap();
    assert_eq!(t.alpha_layer().unwrap(), 0.5);
    t.set_temperature(2.0).unwrap();
    assert_eq!(t.temperature().unwrap(), 2.0);
    assert_fails_naming(t.set_temperature(f64::NAN), Status::EINVAL, "temperature");
    assert_eq!(t.round_length().unwrap(), 2);
    assert_eq!(t.policy().unwrap(), (Policy::Optima, 3));
    assert_eq!(t.reward().unwrap(), (RewardKind::Relative, RewardSource::Training));
    t.set_reward(RewardKind::Detrended, RewardSource::Training).unwrap();
    assert_eq!(t.reward().unwrap().0, RewardKind::Detrended);
    assert_eq!(t.reward_trend().unwrap(), (8, RewardTrend::Mean));
    t.set_reward_trend(4, RewardTrend::Linear).unwrap();
    assert_eq!(t.reward_trend().unwrap(), (4, RewardTrend::Linear));
    assert_fails_naming(t.set_reward_trend(0, RewardTrend::Mean), Status::EINVAL, "window");
    t.set_optimizer(Optimizer::Sgd, 0.5).unwrap();
    assert_eq!(t.optimizer().unwrap(), (Optimizer::Sgd, 0.5));
    assert_eq!(t.optimizer_params().unwrap().momentum, 0.9f32 as f64); // stored in float32
    t.set_optimizer_params(OptimizerParams { momentum: 0.5, ..OptimizerParams::default() }).unwrap();
    assert_eq!(t.optimizer_params().unwrap(),
               OptimizerParams { momentum: 0.5, beta1: 0.9f32 as f64, beta2: 0.999f32 as f64,
                                 weight_decay: 0.01f32 as f64 });
    assert_fails_naming(t.set_optimizer_params(OptimizerParams { momentum: 1.0, ..OptimizerParams::default() }),
                        Status::EINVAL, "momentum");
    assert_eq!(t.history().unwrap(), 1024);
    t.set_history(3).unwrap();
    assert_eq!(t.history().unwrap(), 3);
    assert_fails_naming(t.set_history(0), Status::EINVAL, "rounds");
    t.set_agreement_interval(5).unwrap();
    assert_eq!(t.agreement_interval().unwrap(), 5);
    assert_fails_naming(t.submit_evaluation(f64::INFINITY), Status::ENONFINITE, "loss");

    // The round log: one header line, then one line per round.
    assert_eq!(t.round_log().unwrap(), (None, LogFormat::Csv));
    let log = scratch("rounds.csv");
    let _ = std::fs::remove_file(&log);
    t.set_round_log(Some(&log), LogFormat::Csv).unwrap();
    assert_eq!(t.round_log().unwrap(), (Some(log.clone()), LogFormat::Csv));
    let missing_dir = scratch("no-such-dir").join("rounds.csv");
    assert_fails_naming(t.set_round_log(Some(&missing_dir), LogFormat::Jsonl), Status::EIO, "no-such-dir");
    assert_fails_naming(t.set_round_log(Some(std::path::Path::new("a\0b")), LogFormat::Csv), Status::EINVAL, "path");
    let mut host = Host::new();
    for step in 0..8 {
        host.step(&mut t, step);
    }
    t.set_round_log(None, LogFormat::Jsonl).unwrap();
    assert_eq!(t.round_log().unwrap(), (None, LogFormat::Jsonl));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1 + 4, "{}", text);
    std::fs::remove_file(&log).unwrap();
    // Before-freezing setters now refuse, naming what froze the configuration.
    assert_fails_naming(t.set_history(9), Status::ESTATE, "optima_trainer_begin_step");
    assert_eq!(t.round_record(0).unwrap_err().status, Status::ENOTFOUND); // 4 rounds, 3 kept
    t.round_record(1).unwrap();
}

#[test]
fn checkpoint_files_and_streams_resume_and_failures_name_their_cause() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut a = trainer(&ctx, &teacher, &student);
    let mut host = Host::new();
    for step in 0..5 {
        host.step(&mut a, step);
    }
    let file = scratch("trainer.ckpt");
    a.save_file(&file).unwrap();
    let mut streamed = Vec::new();
    a.save_to(&mut streamed).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), streamed);
    assert_eq!(a.save().unwrap(), streamed);

    let mut b = trainer(&ctx, &teacher, &student);
    b.load_file(&file).unwrap();
    let mut c = trainer(&ctx, &teacher, &student);
    c.load_from(&mut std::fs::File::open(&file).unwrap()).unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut hb = Host::new();
    hb.student_w = host.student_w.clone();
    hb.student_z = host.student_z.clone();
    let mut hc = Host::new();
    hc.student_w = host.student_w.clone();
    hc.student_z = host.student_z.clone();
    for step in 5..9 {
        host.step(&mut a, step);
        hb.step(&mut b, step);
        hc.step(&mut c, step);
    }
    for round in 0..4 {
        assert_eq!(a.round_record(round).unwrap(), b.round_record(round).unwrap());
        assert_eq!(a.round_record(round).unwrap(), c.round_record(round).unwrap());
    }
    assert_fails_naming(b.load_file(&file), Status::EIO, "optima-rust-");
    let e = assert_fails_naming(a.save_to(&mut Full), Status::ECALLBACK, "optima_trainer_save");
    assert!(e.callback.unwrap().contains("disk full"));
    let e = b.load_from(&mut &streamed[..streamed.len() / 2]).unwrap_err();
    assert_eq!(e.status, Status::EFORMAT);
}

/// A writer that always fails.
struct Full;

impl std::io::Write for Full {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::Other, "disk full"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Rewards with a change of the best arm at round 120: arm i pays `i` before, `-i` after.
fn play(s: &mut Scheduler, rounds: std::ops::Range<u64>) -> Vec<u32> {
    rounds.map(|r| {
        let arm = s.select().unwrap();
        let level = if r < 120 { arm as f64 } else { -(arm as f64) };
        let noise = values(r, 1)[0] as f64 * 0.05;
        s.update(arm, level + noise).unwrap();
        arm
    }).collect()
}

fn change_point_scheduler(ctx: &Context) -> Scheduler<'_> {
    let mut s = Scheduler::new(ctx, 2, Policy::Optima, 11).unwrap();
    s.set_history(History::ChangePoint).unwrap();
    s.set_detector_confidence(0.05).unwrap();
    s.set_detector_stride(2).unwrap();
    s.set_forced_exploration(0.2).unwrap();
    s
}

#[test]
fn change_point_scheduler_restarts_and_resumes_from_its_saved_state() {
    let ctx = Context::new().unwrap();
    let mut a = change_point_scheduler(&ctx);
    assert_eq!(a.history().unwrap(), History::ChangePoint);
    assert_eq!(a.detector_confidence().unwrap(), 0.05);
    assert_eq!(a.detector_stride().unwrap(), 2);
    assert_eq!(a.forced_exploration().unwrap(), 0.2);
    assert_eq!((a.policy().unwrap(), a.num_modules().unwrap()), (Policy::Optima, 2));
    assert_eq!(a.arm_masks().unwrap(), vec![1, 2, 3]);
    assert_eq!(a.find_arm(3).unwrap(), 2);
    assert_fails_naming(a.find_arm(4), Status::ENOTFOUND, "mask");
    assert_fails_naming(a.set_detector_confidence(1.5), Status::EINVAL, "delta");
    assert_fails_naming(a.set_detector_stride(0), Status::EINVAL, "stride");
    assert_fails_naming(a.set_forced_exploration(-0.1), Status::EINVAL, "alpha");
    play(&mut a, 0..200);
    assert!(a.restarts().unwrap() > 0, "the change at round 120 restarts the memory");
    assert!(a.arm_count(0).unwrap() > 0.0);
    assert!(a.arm_sample(0).unwrap().is_finite());
    assert_fails_naming(a.set_history(History::Window), Status::ESTATE, "optima_scheduler_set_history");

    let saved = a.save().unwrap();
    let mut streamed = Vec::new();
    a.save_to(&mut streamed).unwrap();
    assert_eq!(saved, streamed);
    let e = assert_fails_naming(a.save_to(&mut Full), Status::ECALLBACK, "optima_scheduler_save");
    assert!(e.callback.unwrap().contains("disk full"));
    let mut b = change_point_scheduler(&ctx);
    b.load(&saved).unwrap();
    let mut c = change_point_scheduler(&ctx);
    c.load_from(&mut &streamed[..]).unwrap();
    assert_eq!(b.restarts().unwrap(), a.restarts().unwrap());
    let next = play(&mut a, 200..260);
    assert_eq!(play(&mut b, 200..260), next);
    assert_eq!(play(&mut c, 200..260), next);

    // A scheduler with another memory refuses the state, naming what differs.
    let mut w = Scheduler::new(&ctx, 2, Policy::Optima, 11).unwrap();
    w.set_history(History::Window).unwrap();
    assert_eq!(w.load(&saved).unwrap_err().status, Status::EMISMATCH);
    assert_eq!(w.load_from(&mut &saved[..10]).unwrap_err().status, Status::EFORMAT);
}

#[test]
fn scheduler_hyperparameters_read_back_and_other_policies_refuse_them() {
    let ctx = Context::new().unwrap();
    let mut s = Scheduler::new(&ctx, 3, Policy::Ucb1, 1).unwrap();
    assert_fails_naming(s.set_history(History::Discount), Status::EUNSUPPORTED, "policy");
    assert_fails_naming(s.set_detector_stride(8), Status::EUNSUPPORTED, "policy");
    s.set_exploration(0.5).unwrap();
    assert_eq!(s.exploration().unwrap(), 0.5);
    assert_eq!(s.arm_set().unwrap(), optima::ArmSet::AllSubsets);
    s.set_arm_set(optima::ArmSet::SingleModules).unwrap();
    assert_eq!(s.arm_masks().unwrap(), vec![1, 2, 4]);
    assert!(s.module_names().unwrap().is_empty());
    s.set_module_names(&["vision", "text", "fusion"]).unwrap();
    assert_eq!(s.module_names().unwrap(), vec!["vision", "text", "fusion"]);
    assert_eq!(s.restarts().unwrap(), 0);

    let mut d = Scheduler::new(&ctx, 2, Policy::Optima, 1).unwrap();
    assert_eq!(d.history().unwrap(), History::ChangePoint); // the 1.1 default
    d.set_history(History::Discount).unwrap();
    d.set_discount(0.9).unwrap();
    assert_eq!(d.discount().unwrap(), 0.9);
    d.set_variance_floor(1e-4).unwrap();
    assert_eq!(d.variance_floor().unwrap(), 1e-4);
    d.set_fixed_variance(0.25).unwrap();
    assert_eq!(d.fixed_variance().unwrap(), 0.25);
    assert_fails_naming(d.set_variance_floor(0.0), Status::EINVAL, "floor");
    let mut e = Scheduler::new(&ctx, 2, Policy::Exp3, 1).unwrap();
    e.set_exp3_gamma(0.3).unwrap();
    assert_eq!(e.exp3_gamma().unwrap(), 0.3);
    assert_fails_naming(e.set_exp3_gamma(0.0), Status::EINVAL, "gamma");
    let mut f = Scheduler::new(&ctx, 2, Policy::Fixed, 1).unwrap();
    assert_fails_naming(f.set_fixed_arm(7), Status::EINVAL, "'arm'");
    f.set_fixed_arm(2).unwrap();
    assert_eq!(f.fixed_arm().unwrap(), 2);
    assert_eq!(f.select().unwrap(), 2);
    assert_fails_naming(f.set_fixed_arm(1), Status::ESTATE, "optima_scheduler_set_fixed_arm");
}

#[test]
fn context_model_and_attention_mse_of_1_1() {
    let ctx = Context::new().unwrap();
    let arch = ctx.blis_arch().unwrap();
    assert!(!arch.is_empty() && arch.is_ascii(), "{:?}", arch);
    let (teacher, _student) = models(&ctx);
    assert_eq!(teacher.module_name(1).unwrap(), "text");
    assert_fails_naming(teacher.module_name(5), Status::ENOTFOUND, "module");

    // 2 examples × 1 head × 2 queries, 3 keys; the second example's last key masked out.
    let (s, t) = (values(40, 4 * 3), values(41, 4 * 3));
    let (sm, tm) = (Matrix::new(&s, 4, 3).unwrap(), Matrix::new(&t, 4, 3).unwrap());
    let key_mask = [1u8, 1, 1, 1, 1, 0];
    let r = optima::attention_mse(&ctx, &sm, &tm, 1, 2, None, Some(&key_mask)).unwrap();
    let mut sum = 0.0;
    let mut n = 0.0;
    for row in 0..4 {
        for k in 0..3 {
            if key_mask[(row / 2) * 3 + k] != 0 {
                sum += ((s[row * 3 + k] - t[row * 3 + k]) as f64).powi(2);
                n += 1.0;
            }
        }
    }
    assert!((r.loss - sum / n).abs() < 1e-6, "{} vs {}", r.loss, sum / n);
    assert_eq!(r.grad[2 * 3 + 2], 0.0);
    assert_fails_naming(optima::attention_mse(&ctx, &sm, &tm, 1, 2, Some(&[1u8; 3]), None), Status::ESHAPE, "query_mask");
    assert_fails_naming(optima::attention_mse(&ctx, &sm, &tm, 3, 1, None, None), Status::ESHAPE, "");
    let _ = LossKind::Mse;
}

/// Two identical ranks, as one rank sees them: every reduction doubles what it is given.
fn doubling(calls: &mut Vec<optima::Reduce>) -> impl FnMut(optima::Reduce, optima::ReduceData<'_>) -> optima::CallbackResult + Send + '_ {
    move |what, data| {
        calls.push(what);
        match data {
            optima::ReduceData::F32(d) => d.iter_mut().for_each(|v| *v *= 2.0),
            optima::ReduceData::F64(d) => d.iter_mut().for_each(|v| *v *= 2.0),
        }
        Ok(())
    }
}

#[test]
fn a_reduction_over_identical_ranks_takes_the_single_process_decisions() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut alone = trainer(&ctx, &teacher, &student);
    let mut host_alone = Host::new();
    let mut calls = Vec::new();
    {
        let mut ranked = trainer(&ctx, &teacher, &student);
        ranked.set_reduction(Some(doubling(&mut calls))).unwrap();
        ranked.set_agreement_interval(1).unwrap();
        let mut host = Host::new();
        for step in 0..8 {
            host_alone.step(&mut alone, step);
            host.step(&mut ranked, step);
        }
        // The same decisions; the statistics are reduced as rows·value sums and divided
        // back (docs/scaling.md), which rounds: equal within float64 round-off, not bits.
        for round in 0..4 {
            let (a, b) = (alone.round_record(round).unwrap(), ranked.round_record(round).unwrap());
            assert_eq!((a.first_step, a.arm), (b.first_step, b.arm));
            assert!((a.reward - b.reward).abs() <= 1e-12 * a.reward.abs().max(1.0), "{:?} vs {:?}", a, b);
            assert!((a.mean_reference - b.mean_reference).abs() <= 1e-12 * a.mean_reference.abs(), "{:?} vs {:?}", a, b);
        }
        assert_eq!(host.student_w, host_alone.student_w);
        assert_fails_naming(ranked.set_reduction(None::<fn(optima::Reduce, optima::ReduceData<'_>) -> optima::CallbackResult>),
                            Status::ESTATE, "optima_trainer_set_reduction");
    }
    use optima::Reduce::*;
    for what in [StepStats, ProjectionGrads, Agreement] {
        assert!(calls.contains(&what), "{:?} never reduced: {:?}", what, calls);
    }

    // A failing reduction stops end_step, its text in the error; nothing of the step applies.
    let mut t = trainer(&ctx, &teacher, &student);
    t.set_reduction(Some(|_: optima::Reduce, _: optima::ReduceData<'_>| -> optima::CallbackResult {
        Err("rank 3 is gone".into())
    })).unwrap();
    Host::new().begin_and_compute(&mut t, 0);
    let e = assert_fails_naming(t.end_step(1.0), Status::ECALLBACK, "optima_trainer_end_step");
    assert!(e.callback.unwrap().contains("rank 3 is gone"));
    assert_eq!(t.progress().unwrap(), (0, 0));
}

#[test]
fn submitted_evaluations_are_the_rounds_reference_losses() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut t = trainer(&ctx, &teacher, &student);
    t.set_reward(RewardKind::Absolute, RewardSource::Evaluation).unwrap();
    t.submit_evaluation(10.0).unwrap(); // the baseline, before the first step
    let mut host = Host::new();
    let evaluations = [9.0, 7.5, 8.0];
    for (round, eval) in evaluations.iter().enumerate() {
        let step = 2 * round as u64;
        host.step(&mut t, step);
        let plan = host.begin_and_compute(&mut t, step + 1);
        let loss = host.backward_with(&t, &plan);
        if round == 0 {
            assert_fails_naming(t.end_step(loss), Status::ESTATE, "optima_trainer_submit_evaluation");
        }
        t.submit_evaluation(*eval).unwrap();
        assert!(t.end_step(loss).unwrap());
    }
    let previous = [10.0, 9.0, 7.5];
    for round in 0..3 {
        let r = t.round_record(round as u64).unwrap();
        assert_eq!(r.mean_reference, evaluations[round]);
        assert_eq!(r.reward, previous[round] - evaluations[round]);
    }
}
