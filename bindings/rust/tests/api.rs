//! The safe wrappers: errors, views, stateless math, scheduler, trainer step API and run
//! loop, callbacks that fail or panic, the host projection optimizer, checkpoints.
mod common;

use common::*;
use optima::{Context, Error, Matrix, Model, Optimizer, Policy, Scheduler, Status};

#[test]
fn loaded_library_passes_the_version_check() {
    assert_eq!(optima::check_version().unwrap() / 10000, 1);
    assert!(optima::version_string().starts_with("1."));
}

#[test]
fn refused_settings_carry_status_and_message() {
    let mut ctx = Context::new().unwrap();
    ctx.set_threads(3).unwrap();
    assert_eq!(ctx.threads().unwrap(), 3);
    let e: Error = ctx.set_threads(0).unwrap_err();
    assert_eq!(e.status, Status::EINVAL);
    assert!(e.message.contains("'threads'"), "{}", e.message);
    assert!(ctx.last_error().contains("'threads'"));
    assert!(e.to_string().contains("invalid argument"));
}

#[test]
fn model_names_with_nul_and_duplicate_modules_are_refused() {
    let ctx = Context::new().unwrap();
    assert_eq!(Model::new(&ctx, "a\0b").err().unwrap().status, Status::EINVAL);
    let mut m = Model::new(&ctx, "m").unwrap();
    assert_eq!(m.add_module("vision", &[4, 4]).unwrap(), 0);
    assert_eq!(m.add_module("vision", &[]).unwrap_err().status, Status::EINVAL);
    assert_eq!(m.widths(0).unwrap(), vec![4, 4]);
    assert_eq!(m.find_module("nope").unwrap_err().status, Status::ENOTFOUND);
    assert_eq!(m.name(), "m");
}

#[test]
fn matrix_refuses_slices_too_short_for_its_shape() {
    let data = vec![0.0f32; 10];
    assert!(Matrix::new(&data, 2, 5).is_ok());
    assert_eq!(Matrix::new(&data, 3, 4).unwrap_err().status, Status::ESHAPE);
    assert!(Matrix::with_stride(&data, 2, 3, 7).is_ok()); // needs 7 + 3 = 10
    assert_eq!(Matrix::with_stride(&data, 2, 4, 7).unwrap_err().status, Status::ESHAPE);
    assert_eq!(Matrix::with_stride(&data, 2, 4, 3).unwrap_err().status, Status::ESHAPE);
}

#[test]
fn mse_with_projection_matches_a_direct_computation() {
    let ctx = Context::new().unwrap();
    let (s, t, p) = (values(1, 4 * 3), values(2, 4 * 2), values(3, 3 * 2));
    let (sm, tm, pm) = (Matrix::new(&s, 4, 3).unwrap(), Matrix::new(&t, 4, 2).unwrap(), Matrix::new(&p, 3, 2).unwrap());
    let r = optima::mse(&ctx, &sm, &tm, Some(&pm), None).unwrap();
    let y = matmul(&s, &p, 4, 3, 2);
    let expected: f64 = y.iter().zip(&t).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>() / 8.0;
    assert!((r.loss - expected).abs() < 1e-6, "{} vs {}", r.loss, expected);
    assert_eq!(r.grad_student.len(), 12);
    assert_eq!(r.grad_projection.unwrap().len(), 6);
    let plain = optima::mse(&ctx, &tm, &tm, None, None).unwrap();
    assert_eq!(plain.loss, 0.0);
    assert!(plain.grad_projection.is_none());
}

#[test]
fn padded_views_give_the_same_values_as_dense_ones() {
    let ctx = Context::new().unwrap();
    let dense = values(5, 3 * 4);
    let mut padded = vec![9.0f32; 3 * 6];
    for r in 0..3 {
        padded[r * 6..r * 6 + 4].copy_from_slice(&dense[r * 4..r * 4 + 4]);
    }
    let t = values(6, 3 * 4);
    let tm = Matrix::new(&t, 3, 4).unwrap();
    let a = optima::cosine(&ctx, &Matrix::new(&dense, 3, 4).unwrap(), &tm, None, None).unwrap();
    let b = optima::cosine(&ctx, &Matrix::with_stride(&padded, 3, 4, 6).unwrap(), &tm, None, None).unwrap();
    assert_eq!(a.loss, b.loss);
    assert_eq!(a.grad_student, b.grad_student);
}

#[test]
fn stateless_refusals_name_the_argument() {
    let ctx = Context::new().unwrap();
    let a = values(1, 6);
    let m = Matrix::new(&a, 2, 3).unwrap();
    let e = optima::kl(&ctx, &m, &m, 0.0, None).unwrap_err();
    assert_eq!(e.status, Status::EINVAL);
    assert!(e.message.contains("'temperature'"));
    let e = optima::mse(&ctx, &m, &m, None, Some(&[1])).unwrap_err();
    assert!(e.message.contains("'mask'"));
    let mut nan = a.clone();
    nan[2] = f32::NAN;
    let e = optima::mse(&ctx, &Matrix::new(&nan, 2, 3).unwrap(), &m, None, None).unwrap_err();
    assert_eq!(e.status, Status::ENONFINITE);
    let k = optima::kl(&ctx, &m, &m, 2.0, Some(&[1, 0])).unwrap();
    assert!(k.loss.abs() < 1e-12);
}

#[test]
fn scheduler_is_deterministic_and_resumes_from_its_saved_state() {
    let ctx = Context::new().unwrap();
    let mut a = Scheduler::new(&ctx, 3, Policy::Optima, 42).unwrap();
    let mut b = Scheduler::new(&ctx, 3, Policy::Optima, 1).unwrap();
    a.set_module_names(&["vision", "text", "fusion"]).unwrap();
    assert_eq!(a.num_arms().unwrap(), 7);
    assert_eq!(a.arm_name(6).unwrap(), "vision+text+fusion");
    let play = |s: &mut Scheduler, rounds: u64| -> Vec<u32> {
        (0..rounds).map(|r| {
            let arm = s.select().unwrap();
            s.update(arm, 0.1 * (arm % 3) as f64 - 0.01 * r as f64).unwrap();
            arm
        }).collect()
    };
    play(&mut a, 10);
    b.load(&a.save().unwrap()).unwrap();
    assert_eq!(play(&mut a, 12), play(&mut b, 12));
    assert_eq!(a.rounds().unwrap(), 22);
    let arm = a.select().unwrap();
    assert_eq!(a.update(arm, f64::NAN).unwrap_err().status, Status::ENONFINITE);
    assert_eq!(a.set_window(3).unwrap_err().status, Status::ESTATE);
    assert_eq!(b.load(&[1, 2, 3]).unwrap_err().status, Status::EFORMAT);
}

#[test]
fn run_loop_equals_the_step_api() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut ta = trainer(&ctx, &teacher, &student);
    let mut tb = trainer(&ctx, &teacher, &student);
    let (mut a, mut b) = (Host::new(), Host::new());
    ta.run(&mut a, 8).unwrap();
    for step in 0..8 {
        b.step(&mut tb, step);
    }
    assert_eq!(ta.progress().unwrap(), (8, 4));
    assert_eq!(tb.progress().unwrap(), (8, 4));
    for r in 0..4 {
        assert_eq!(ta.round_record(r).unwrap(), tb.round_record(r).unwrap());
    }
    assert_eq!(a.student_w, b.student_w);
}

#[test]
fn callback_errors_and_panics_stop_the_run_cleanly() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    for &name in &["next_batch", "forward", "backward", "round_end"] {
        for &panics in &[false, true] {
            let mut t = trainer(&ctx, &teacher, &student);
            let mut host = Host::new();
            if panics { host.panic_at = Some((name, 1)) } else { host.fail_at = Some((name, 1)) }
            let e = t.run(&mut host, 6).unwrap_err();
            assert_eq!(e.status, Status::ECALLBACK, "{}", name);
            let text = e.callback.clone().unwrap();
            assert!(text.contains(name), "{}", text);
            assert_eq!(text.contains("panicked"), panics);
            assert_ne!(t.callback_code().unwrap(), 0);
            host.fail_at = None;
            host.panic_at = None;
            t.run(&mut host, 4).unwrap(); // still usable
        }
    }
}

#[test]
fn host_projection_optimizer_closure_updates_and_its_panic_stops_end_step() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut calls = 0u32;
    {
        let mut t = trainer(&ctx, &teacher, &student);
        t.set_optimizer(Optimizer::Host, 1.0).unwrap();
        t.set_projection_callback(|_pair, _lp, param: &mut [f32], grad: &[f32]| {
            calls += 1;
            for (p, g) in param.iter_mut().zip(grad) {
                *p -= 0.1 * g;
            }
            Ok(())
        }).unwrap();
        let mut host = Host::new();
        t.run(&mut host, 4).unwrap();
    }
    assert!(calls > 0);
    let mut t = trainer(&ctx, &teacher, &student);
    t.set_optimizer(Optimizer::Host, 1.0).unwrap();
    t.set_projection_callback(|_, _, _: &mut [f32], _: &[f32]| panic!("optimizer exploded")).unwrap();
    let mut host = Host::new();
    let e = t.run(&mut host, 2).unwrap_err();
    assert_eq!(e.status, Status::ECALLBACK);
    assert!(e.callback.unwrap().contains("optimizer exploded"));
}

#[test]
fn checkpoint_resumes_exactly_and_damage_is_refused() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut ta = trainer(&ctx, &teacher, &student);
    let mut a = Host::new();
    ta.run(&mut a, 5).unwrap();
    let blob = ta.save().unwrap();
    let mut tb = trainer(&ctx, &teacher, &student);
    tb.load(&blob).unwrap();
    let mut b = Host::new();
    b.student_w = a.student_w.clone();
    b.student_z = a.student_z.clone();
    for step in 5..11 {
        a.step(&mut ta, step);
        b.step(&mut tb, step);
    }
    let rounds = ta.progress().unwrap().1;
    for r in 0..rounds {
        assert_eq!(ta.round_record(r).unwrap(), tb.round_record(r).unwrap());
    }
    let mut damaged = blob.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0xff;
    let e = tb.load(&damaged).unwrap_err();
    assert!(e.status == Status::ECHECKSUM || e.status == Status::EFORMAT, "{}", e);
    assert!(tb.last_error().contains("optima_trainer_load"));
}

#[test]
fn trainer_scheduler_is_borrowed_and_configurable_before_the_first_step() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut t = trainer(&ctx, &teacher, &student);
    {
        let mut s = t.scheduler().unwrap();
        s.set_window(8).unwrap();
        assert_eq!(s.window().unwrap(), 8);
        assert_eq!(s.arm_name(2).unwrap(), "vision+text");
    }
    assert_eq!(t.set_round_length(3).unwrap_err().status, Status::ESTATE);
    let mut host = Host::new();
    assert!(!host.step(&mut t, 0));
    assert!(host.step(&mut t, 1));
}

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}

#[test]
fn handles_move_between_threads_and_only_context_and_model_are_shared() {
    is_send::<Context>();
    is_sync::<Context>();
    is_send::<Model<'static>>();
    is_sync::<Model<'static>>();
    is_send::<Scheduler<'static>>();
    is_send::<optima::Trainer<'static>>();
    // Not Sync: the compile_fail example in the crate's documentation (lib.rs).
}

#[test]
fn trainers_sharing_a_context_and_models_train_on_two_threads_as_on_one() {
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut here = trainer(&ctx, &teacher, &student);
    let mut host_here = Host::new();
    for step in 0..8 {
        host_here.step(&mut here, step);
    }
    let (a, b) = (trainer(&ctx, &teacher, &student), trainer(&ctx, &teacher, &student));
    let (ra, rb) = std::thread::scope(|s| {
        let run = |mut t: optima::Trainer<'_>| {
            let mut host = Host::new();
            t.run(&mut host, 8).unwrap();
            ((0..4).map(|r| t.round_record(r).unwrap()).collect::<Vec<_>>(), host.student_w)
        };
        let ha = s.spawn(move || run(a)); // each trainer moves to its own thread
        let hb = s.spawn(move || run(b));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    let expected: Vec<_> = (0..4).map(|r| here.round_record(r).unwrap()).collect();
    assert_eq!(ra.0, expected);
    assert_eq!(rb.0, expected);
    assert_eq!(ra.1, host_here.student_w);
    assert_eq!(rb.1, host_here.student_w);
}

#[test]
fn typed_enums_carry_the_c_values() {
    assert_eq!(Policy::GlrUcb as i32, optima::ffi::OPTIMA_POLICY_GLR_UCB);
    assert_eq!(Policy::Optima.name(), "OPTIMA");
    assert_eq!(Policy::SlidingWindowUcb.name(), "SLIDING_WINDOW_UCB");
    let ctx = Context::new().unwrap();
    let mut s = Scheduler::new(&ctx, 3, Policy::Optima, 1).unwrap();
    s.set_arm_set(optima::ArmSet::SingleModules).unwrap();
    assert_eq!(s.num_arms().unwrap(), 3);
    s.set_arm_set(optima::ArmSet::AllSubsets).unwrap();
    assert_eq!(s.num_arms().unwrap(), 7);
    let (teacher, student) = models(&ctx);
    let mut t = optima::Trainer::new(&ctx, &teacher, &student).unwrap();
    let e = t.add_pair(0, 0, optima::LossKind::Kl).unwrap_err();
    assert_eq!(e.status, Status::EUNSUPPORTED);
    t.add_pair(0, 0, optima::LossKind::Mse).unwrap();
    t.set_pair_mapping(0, optima::Mapping::Explicit, &[1]).unwrap();
    assert_eq!(t.set_pair_mapping(0, optima::Mapping::Explicit, &[5]).unwrap_err().status,
               Status::EINVAL);
}

#[test]
fn run_loop_rewards_the_alignment_through_task_grad() {
    use optima::{RewardKind, RewardSource};
    let ctx = Context::new().unwrap();
    let (teacher, student) = models(&ctx);
    let mut rewards = Vec::new();
    for sign in [1.0f32, -1.0] {
        let mut t = trainer(&ctx, &teacher, &student);
        t.set_policy(Policy::All, 3).unwrap();
        t.set_reward(RewardKind::Absolute, RewardSource::Alignment).unwrap();
        let mut host = AlignedHost { host: Host::new(), sign, gives: true };
        t.run(&mut host, 8).unwrap();
        rewards.push((0..4).map(|r| t.round_record(r).unwrap().reward).collect::<Vec<f64>>());
    }
    for r in 0..4 {
        assert!(rewards[0][r] != 0.0 && rewards[0][r].abs() <= 1.0);
        assert_eq!(rewards[0][r], -rewards[1][r]); // the cosine's sign, bit for bit
    }
    // Without the callback the run loop refuses the source, naming the member.
    let mut t = trainer(&ctx, &teacher, &student);
    t.set_reward(RewardKind::Absolute, RewardSource::Alignment).unwrap();
    let mut host = AlignedHost { host: Host::new(), sign: 1.0, gives: false };
    let e = t.run(&mut host, 2).unwrap_err();
    assert_eq!(e.status, Status::EINVAL);
    assert!(e.message.contains("task_grad"), "{}", e.message);
}
