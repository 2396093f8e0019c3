//! Scrubbing and sealing a 12-megapixel photo (`docs/PROTOCOL.md` §4.12), next to the
//! bare decode and encode of the same image library at the same quality, so that the
//! ratio shows what scrubbing and sealing add; then the padding's size overhead over
//! a spread of upload sizes.
//!
//! The photo is made here (4000×3000, a gradient with sensor-like noise, JPEG at
//! quality 92) so the bench needs no fixture; its scrubbed bytes are left in
//! `target/bench-scrubbed-12mp.jpg` for the page script's half (`make bench`, node).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use jasmine_client::attachment;
use jasmine_client::scrub;

fn twelve_megapixel_photo() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let photo = RgbImage::from_fn(4000, 3000, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 23) as u32;
        Rgb([
            ((x / 16 + noise) % 256) as u8,
            ((y / 12 + noise) % 256) as u8,
            (((x + y) / 28 + noise) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    photo
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 92))
        .unwrap();
    out
}

/// The image crate's bare calls: decode, then encode at the quality scrubbing uses.
fn bare_decode_encode(chosen: &[u8]) -> Vec<u8> {
    let pixels = image::load_from_memory(chosen).unwrap().to_rgb8();
    let mut out = Vec::new();
    pixels
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, scrub::JPEG_QUALITY))
        .unwrap();
    out
}

/// The padding's overhead, (bucket − size) / size, over upload sizes spread evenly
/// on a log scale from 100 KB to 50 MB: mean and worst.
fn padding_overhead() -> (f64, f64) {
    let (mut sum, mut worst, mut n) = (0.0, 0.0f64, 0);
    let mut size = 100_000f64;
    while size <= 50_000_000.0 {
        let bucket = attachment::bucket_for(size as usize).unwrap() as f64;
        let overhead = (bucket - size) / size;
        sum += overhead;
        worst = worst.max(overhead);
        n += 1;
        size *= 1.003;
    }
    (sum / f64::from(n), worst)
}

fn benches(c: &mut Criterion) {
    let chosen = twelve_megapixel_photo();
    let recipients: Vec<_> = (0..3)
        .map(|_| age::x25519::Identity::generate().to_public())
        .collect();
    let scrubbed = scrub::scrub(&chosen).unwrap();
    // For the page script's half of the bench (`make bench`: node, the same bytes).
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-scrubbed-12mp.jpg");
    std::fs::write(out, &scrubbed.bytes[..]).unwrap();
    let (file, _) = attachment::seal(std::slice::from_ref(&scrubbed), &recipients).unwrap();
    let (mean, worst) = padding_overhead();
    eprintln!(
        "12 MP photo: {} bytes as chosen, {} scrubbed, attachments file {} bytes ({:.1}% over the image); padding over 100 KB–50 MB: mean {:.1}%, worst {:.1}%",
        chosen.len(),
        scrubbed.bytes.len(),
        file.len(),
        100.0 * (file.len() as f64 / scrubbed.bytes.len() as f64 - 1.0),
        100.0 * mean,
        100.0 * worst
    );
    let mut group = c.benchmark_group("12 MP photo");
    group.sample_size(10);
    group.bench_function("bare decode + encode (image crate, q85)", |b| {
        b.iter(|| black_box(bare_decode_encode(black_box(&chosen))))
    });
    group.bench_function("scrub", |b| {
        b.iter(|| black_box(scrub::scrub(black_box(&chosen)).unwrap()))
    });
    group.bench_function("scrub + seal (3 moderators)", |b| {
        b.iter(|| {
            let image = scrub::scrub(black_box(&chosen)).unwrap();
            black_box(attachment::seal(&[image], &recipients).unwrap())
        })
    });
    group.finish();
}

criterion_group!(attachments, benches);
criterion_main!(attachments);
