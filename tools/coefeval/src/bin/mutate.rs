//! Robustness of libjpeg-turbo-rs read_coefficients: truncations and byte flips of the JPEGs
//! named on stdin; counts results, errors and panics, and the slowest input.
use std::time::Instant;
fn main() {
    let files: Vec<String> = std::io::stdin().lines().map(|l| l.unwrap()).collect();
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut rnd = || { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed };
    let (mut ok, mut err, mut panics, mut worst) = (0, 0, 0, 0f64);
    for f in files.iter().take(120) {
        let data = std::fs::read(f).unwrap();
        for k in 0..40 {
            let mut d = data.clone();
            if k < 10 { let cut = (rnd() as usize) % d.len(); d.truncate(cut); }
            else { for _ in 0..(1 + rnd() % 8) { let i = (rnd() as usize) % d.len(); d[i] = rnd() as u8; } }
            let t = Instant::now();
            let r = std::panic::catch_unwind(|| libjpeg_turbo_rs::read_coefficients(&d).map(|c| c.components.len()));
            let dt = t.elapsed().as_secs_f64();
            if dt > worst { worst = dt; }
            match r { Ok(Ok(_)) => ok += 1, Ok(Err(_)) => err += 1, Err(_) => { panics += 1; } }
        }
    }
    println!("ok {ok} err {err} panics {panics} worst {:.1} ms", worst * 1e3);
}
