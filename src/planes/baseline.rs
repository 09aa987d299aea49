//! Coefficients of baseline (sequential Huffman, 8-bit) JPEGs, the commonest kind, read with
//! `libjpeg-turbo-rs`'s own marker reader and entropy decoder but driven here, so that each
//! block goes straight from the decoder into its place in zigzag order. `read_coefficients`
//! fills the whole-image buffers with zeros, decodes into them in natural order, then walks
//! every block again to reorder it: two extra passes over tens of megabytes for a large photo.
//!
//! The loop is `read_coefficients`'s own for this case, step for step (the same MCU walk,
//! restart handling and short-segment check); anything it does not take — progressive,
//! arithmetic, lossless or 12-bit JPEGs, and any error — returns `None`, and the caller reads
//! the file with `read_coefficients`, so both give the same coefficients or the same error
//! (a differential test over the fixtures and `fuzz/fuzz_targets/jpeg_baseline.rs` check it).

use libjpeg_turbo_rs::decode::bitstream::BitReader;
use libjpeg_turbo_rs::decode::entropy::{resolve_mcu_plan, McuDecoder};
use libjpeg_turbo_rs::decode::marker::MarkerReader;

use super::dct::{reads_as_ycbcr, zigzag_table, DctComponent, DctPlanes, ZIGZAG_TO_NATURAL};

/// Largest coefficient buffer (bytes, all components) read here; larger frames (only possible
/// when the caller set no pixel limit) go to `read_coefficients`, which allocates fallibly.
const MAX_BYTES: usize = 1 << 31;

/// The coefficients of `bytes` when it is a baseline Huffman JPEG with 8-bit samples that
/// decodes without error, else `None`.
pub(crate) fn read(bytes: &[u8]) -> Option<DctPlanes> {
    let meta = MarkerReader::new(bytes).read_markers().ok()?;
    let frame = &meta.frame;
    if frame.is_progressive
        || frame.is_lossless
        || meta.is_arithmetic
        || !matches!(frame.precision, 0 | 8)
        || frame.components.is_empty()
        || frame.components.iter().any(|c| c.horizontal_sampling == 0 || c.vertical_sampling == 0)
        // `read_coefficients`'s default frame limits
        || frame.width > 65_500
        || frame.height > 65_500
    {
        return None;
    }
    let max_h = frame
        .components
        .iter()
        .map(|c| c.horizontal_sampling as usize)
        .max()?;
    let max_v = frame
        .components
        .iter()
        .map(|c| c.vertical_sampling as usize)
        .max()?;
    let mcus_x = (frame.width as usize).div_ceil(max_h * 8);
    let mcus_y = (frame.height as usize).div_ceil(max_v * 8);
    // quantisation tables as `read_coefficients` lists them: the defined slots, compacted
    let mut dense: [Option<usize>; 4] = [None; 4];
    let mut tables: Vec<[u16; 64]> = Vec::new();
    for (slot, t) in meta.quant_tables.iter().enumerate() {
        if let Some(t) = t {
            dense[slot] = Some(tables.len());
            tables.push(zigzag_table(&t.values));
        }
    }
    let mut total = 0usize;
    let mut components = Vec::with_capacity(frame.components.len());
    for c in &frame.components {
        let (h, v) = (c.horizontal_sampling as usize, c.vertical_sampling as usize);
        let (bx, by) = (mcus_x.checked_mul(h)?, mcus_y.checked_mul(v)?);
        let n = bx.checked_mul(by)?;
        total = total.checked_add(n.checked_mul(128)?)?;
        if total > MAX_BYTES {
            return None;
        }
        let slot = dense.get(c.quant_table_index as usize).copied().flatten();
        components.push(DctComponent {
            id: c.id,
            blocks_x: bx,
            blocks_y: by,
            h_samp: h.max(1),
            v_samp: v.max(1),
            quant: tables.get(slot.unwrap_or(0)).copied().unwrap_or([1; 64]),
            // zeroed by the allocator (fresh pages need no fill)
            blocks: vec![[0i16; 64]; n],
        });
    }
    decode(bytes, &meta, &mut components, mcus_x, mcus_y)?;
    let ids: Vec<u8> = frame.components.iter().map(|c| c.id).collect();
    let ycbcr = reads_as_ycbcr(
        &ids,
        meta.saw_jfif_marker_at_first_sos,
        meta.adobe_transform_at_first_sos,
    );
    Some(DctPlanes {
        width: frame.width as u32,
        height: frame.height as u32,
        components,
        precision: 8,
        ycbcr,
    })
}

/// Store a block decoded in natural order at `dst` in zigzag order.
#[inline(always)]
fn store(natural: &[i16; 64], dst: &mut [i16; 64]) {
    for (d, &n) in dst.iter_mut().zip(ZIGZAG_TO_NATURAL.iter()) {
        *d = natural[n];
    }
}

/// `read_coefficients`'s baseline loop (`decode_baseline_coefficients`), storing zigzag blocks.
fn decode(
    bytes: &[u8],
    meta: &libjpeg_turbo_rs::decode::marker::JpegMetadata,
    comps: &mut [DctComponent],
    mcus_x: usize,
    mcus_y: usize,
) -> Option<()> {
    let frame = &meta.frame;
    let mut coeffs = [0i16; 64];
    // A scan of the sole component is not interleaved: one block per data unit, over the
    // blocks that cover the image, whatever the sampling factors say.
    if frame.components.len() == 1 {
        let scan = meta.scans.first()?;
        let plan = resolve_mcu_plan(
            frame,
            &scan.header,
            &scan.dc_huffman_tables,
            &scan.ac_huffman_tables,
        )
        .ok()?;
        let [plan] = plan.as_slice() else {
            return None;
        };
        let c = &frame.components[0];
        let (h, v) = (c.horizontal_sampling as usize, c.vertical_sampling as usize);
        let blocks_x = (frame.width as usize * h).div_ceil(h * 8);
        let blocks_y = (frame.height as usize * v).div_ceil(v * 8);
        let stride = comps[0].blocks_x;
        let mut reader = BitReader::new(bytes.get(scan.data_offset..)?);
        let mut dec = McuDecoder::new(1);
        let restart = scan.restart_interval as u32;
        let mut count = 0u32;
        for y in 0..blocks_y {
            for x in 0..blocks_x {
                if restart > 0 && count > 0 && count.is_multiple_of(restart) {
                    reader.reset();
                    dec.reset();
                }
                dec.decode_block(
                    &mut reader,
                    plan.comp_idx,
                    plan.dc_table,
                    plan.ac_table,
                    &mut coeffs,
                )
                .ok()?;
                if reader.insufficient_data() {
                    return None;
                }
                store(&coeffs, comps[0].blocks.get_mut(y * stride + x)?);
                count = count.wrapping_add(1);
            }
        }
        return Some(());
    }
    let plan = resolve_mcu_plan(
        frame,
        &meta.scan,
        &meta.dc_huffman_tables,
        &meta.ac_huffman_tables,
    )
    .ok()?;
    if plan.len() != comps.len() {
        return None;
    }
    let mut reader = BitReader::new(bytes.get(meta.entropy_data_offset..)?);
    let mut dec = McuDecoder::new(frame.components.len());
    let restart = meta.restart_interval as u32;
    let mut count = 0u32;
    for my in 0..mcus_y {
        for mx in 0..mcus_x {
            if restart > 0 && count > 0 && count.is_multiple_of(restart) {
                reader.reset();
                dec.reset();
            }
            for (comp, p) in comps.iter_mut().zip(&plan) {
                let (h, v) = (comp.h_samp, comp.v_samp);
                for by in 0..v {
                    for bx in 0..h {
                        dec.decode_block(
                            &mut reader,
                            p.comp_idx,
                            p.dc_table,
                            p.ac_table,
                            &mut coeffs,
                        )
                        .ok()?;
                        let at = (my * v + by) * comp.blocks_x + mx * h + bx;
                        store(&coeffs, comp.blocks.get_mut(at)?);
                    }
                }
            }
            if reader.insufficient_data() {
                return None;
            }
            count = count.wrapping_add(1);
        }
    }
    Some(())
}
