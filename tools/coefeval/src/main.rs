//! Coefficient-library comparison (docs/jpeg-domain.md): reads every JPEG named on stdin with
//! libjpeg-turbo-rs and with libjpeg (mozjpeg-sys), compares every block, times both.
use std::time::Instant;
use mozjpeg_sys::*;

fn moz_read(data: &[u8]) -> Result<Vec<(usize,usize,Vec<[i16; 64]>)>, String> {
    unsafe extern "C-unwind" fn err_exit(_c: &mut jpeg_common_struct) { panic!("libjpeg error"); }
    unsafe extern "C-unwind" fn emit(_c: &mut jpeg_common_struct, _l: i32) {}
    std::panic::catch_unwind(|| unsafe {
        let mut err: jpeg_error_mgr = std::mem::zeroed();
        let mut cinfo: jpeg_decompress_struct = std::mem::zeroed();
        cinfo.common.err = jpeg_std_error(&mut err);
        err.error_exit = Some(err_exit);
        err.emit_message = Some(emit);
        jpeg_create_decompress(&mut cinfo);
        jpeg_mem_src(&mut cinfo, data.as_ptr(), data.len() as _);
        jpeg_read_header(&mut cinfo, 1);
        let arrays = jpeg_read_coefficients(&mut cinfo);
        let mut out = Vec::new();
        for ci in 0..cinfo.num_components as usize {
            let comp = &*cinfo.comp_info.add(ci);
            let (bw, bh) = (comp.width_in_blocks as usize, comp.height_in_blocks as usize);
            let mut blocks = Vec::with_capacity(bw * bh);
            for row in 0..bh {
                let rows = ((*cinfo.common.mem).access_virt_barray.unwrap())(&mut cinfo.common, *arrays.add(ci), row as u32, 1, 0);
                let r = *rows;
                for b in 0..bw { blocks.push(*(r.add(b) as *const [i16; 64])); }
            }
            out.push((bw,bh,blocks));
        }
        jpeg_finish_decompress(&mut cinfo);
        jpeg_destroy_decompress(&mut cinfo);
        out
    }).map_err(|_| "error".to_string())
}

const ZZ: [usize; 64] = [0,1,8,16,9,2,3,10,17,24,32,25,18,11,4,5,12,19,26,33,40,48,41,34,27,20,13,6,7,14,21,28,35,42,49,56,57,50,43,36,29,22,15,23,30,37,44,51,58,59,52,45,38,31,39,46,53,60,61,54,47,55,62,63];

fn rs_read(data: &[u8]) -> Result<Vec<(usize, usize, Vec<[i16; 64]>)>, String> {
    let c = libjpeg_turbo_rs::read_coefficients(data).map_err(|e| e.to_string())?;
    Ok(c.components.into_iter().map(|k| {
        let blocks = k.blocks.iter().map(|z| { let mut n = [0i16; 64]; for i in 0..64 { n[ZZ[i]] = z[i]; } n }).collect();
        (k.blocks_x, k.blocks_y, blocks)
    }).collect())
}

fn main() {
    let files: Vec<String> = std::io::stdin().lines().map(|l| l.unwrap()).collect();
    let (mut t_moz, mut t_rs, mut same, mut diff, mut e_moz, mut e_rs) = (0f64, 0f64, 0, 0, 0, 0);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let t = Instant::now(); let m = moz_read(&data); t_moz += t.elapsed().as_secs_f64();
        let t = Instant::now(); let r = rs_read(&data); t_rs += t.elapsed().as_secs_f64();
        match (&m, &r) {
            (Ok(m), Ok(r)) => {
                let mut ok = m.len() == r.len();
                if ok { for ((mw, mh, mb), (rw, rh, rb)) in m.iter().zip(r) {
                    if mw > rw || mh > rh { ok = false; break; }
                    for y in 0..*mh { for x in 0..*mw { if mb[y*mw+x] != rb[y*rw+x] { ok = false; } } }
                }}
                if ok { same += 1 } else { diff += 1; eprintln!("DIFF {f}"); }
            }
            (Err(_), Ok(_)) => { e_moz += 1; eprintln!("moz-only error {f}"); }
            (Ok(_), Err(e)) => { e_rs += 1; eprintln!("rs-only error {f}: {e}"); }
            _ => { e_moz += 1; e_rs += 1; }
        }
    }
    println!("files {} same {same} diff {diff} err_moz {e_moz} err_rs {e_rs}", files.len());
    println!("mozjpeg-sys {:.3} ms/file, libjpeg-turbo-rs {:.3} ms/file", t_moz * 1e3 / files.len() as f64, t_rs * 1e3 / files.len() as f64);
}
