//! Scrubbing an image before it is encrypted (`docs/PROTOCOL.md` §4.12): decode it to
//! pixels, apply the orientation it asks for, scale its long side down to
//! [`MAX_SENT_SIDE`], and encode a new file from the pixels alone. Whatever the
//! chosen file carried besides its pixels (EXIF with GPS and the camera's serial
//! number, XMP, IPTC, ICC profiles, maker notes, thumbnails, bytes after the image)
//! is never copied: it is not read into anything that is written.
//!
//! A stranger's file is hostile input here (on the server's no-JavaScript path and on
//! the moderator's desk): the size of the file and the pixel count its header declares
//! are checked before a single pixel is decoded, so a decompression bomb is refused,
//! and every decoder is pure Rust (the `image` crate).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use zeroize::Zeroizing;

use crate::attachment::{Image, ImageType, MAX_ATTACHMENT_BYTES};

/// Largest file accepted as chosen, in bytes.
pub const MAX_CHOSEN_BYTES: usize = 10 * 1024 * 1024;
/// Longest side, in pixels, of an image read.
pub const MAX_INPUT_SIDE: u32 = 16384;
/// Most pixels of an image read (64 megapixels).
pub const MAX_INPUT_PIXELS: u64 = 64 * 1024 * 1024;
/// Longest side, in pixels, of an image sent: larger ones are scaled down.
pub const MAX_SENT_SIDE: u32 = 4096;
/// JPEG quality of the images sent.
pub const JPEG_QUALITY: u8 = 85;
/// Most bytes the decoders may allocate for one image (a 64-megapixel image with
/// 16-bit channels and alpha).
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why an image cannot be sent. The codes are the page's too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScrubError {
    /// The file as chosen is larger than [`MAX_CHOSEN_BYTES`].
    #[error("the file is {size} bytes, more than the {MAX_CHOSEN_BYTES} allowed: send a smaller photo or a screenshot")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Its header declares more pixels than may be decoded.
    #[error("the image declares {width}×{height} pixels, more than {MAX_INPUT_SIDE} on a side or {MAX_INPUT_PIXELS} in all: it is refused without being decoded")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// HEIC/HEIF, which no decoder here reads.
    #[error("HEIC photos cannot be read here: on an iPhone, send it from the web page in Safari, or choose Settings > Camera > Formats > Most Compatible and take it again, or convert it to JPEG")]
    Heic,
    /// Not a JPEG, PNG or WebP image, or damaged.
    #[error("not an image that can be read ({0}): send a JPEG, PNG or WebP photo or screenshot")]
    Unreadable(String),
    /// The scrubbed image is still larger than [`MAX_ATTACHMENT_BYTES`].
    #[error("once scrubbed the image is {size} bytes, more than the {MAX_ATTACHMENT_BYTES} allowed: crop it or send a smaller one")]
    TooLargeScrubbed {
        /// Its size.
        size: usize,
    },
}

impl ScrubError {
    /// The stable code (shared with the page script).
    pub fn code(&self) -> &'static str {
        match self {
            ScrubError::TooLarge { .. } | ScrubError::TooLargeScrubbed { .. } => {
                "attachment_too_large"
            }
            ScrubError::TooManyPixels { .. } => "attachment_too_many_pixels",
            ScrubError::Heic | ScrubError::Unreadable(_) => "attachment_unreadable",
        }
    }
}

/// The pixel dimensions a file's header declares, and the orientation it asks for,
/// read without decoding any pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

fn unreadable(e: ImageError) -> ScrubError {
    match e {
        ImageError::Limits(_) => ScrubError::Unreadable("it needs more memory than allowed".into()),
        ImageError::Unsupported(_) => ScrubError::Unreadable("an unsupported kind of image".into()),
        other => ScrubError::Unreadable(short(&other.to_string())),
    }
}

fn short(reason: &str) -> String {
    reason.chars().take(120).collect()
}

/// Whether `bytes` start like an ISO-BMFF HEIC/HEIF/AVIF file.
fn looks_like_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1"
        )
}

fn format_of(chosen: &[u8]) -> Result<ImageFormat, ScrubError> {
    if chosen.len() > MAX_CHOSEN_BYTES {
        return Err(ScrubError::TooLarge { size: chosen.len() });
    }
    if looks_like_heif(chosen) {
        return Err(ScrubError::Heic);
    }
    match image::guess_format(chosen) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        Ok(other) => Err(ScrubError::Unreadable(format!(
            "{} files are not accepted",
            other.extensions_str().first().copied().unwrap_or("such")
        ))),
        Err(_) => Err(ScrubError::Unreadable(
            "not a JPEG, PNG or WebP file".into(),
        )),
    }
}

/// Whether a JPEG's main image runs to its end marker: the segments are walked from
/// the start to the first scan, and the end-of-image marker must follow it. (The
/// decoder fills a cut-short scan with grey instead of failing; a photo cut short is
/// refused, not sent half grey. An EXIF thumbnail, inside a segment before the scan,
/// cannot stand in for the main image's end.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(at..at + 2) else {
            return false;
        };
        match marker {
            0xFF => at += 1,
            0xD9 => return false,
            0x01 | 0xD0..=0xD7 => at += 2,
            0xDA => {
                return bytes[at + 2..].windows(2).any(|w| w == [0xFF, 0xD9]);
            }
            _ => {
                let Some(&[high, low]) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([high, low]));
            }
        }
    }
}

fn decoder_of(chosen: &[u8], format: ImageFormat) -> Result<impl ImageDecoder + '_, ScrubError> {
    let mut reader = ImageReader::with_format(Cursor::new(chosen), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    reader.into_decoder().map_err(|e| match e {
        ImageError::Limits(_) => ScrubError::TooManyPixels {
            width: 0,
            height: 0,
        },
        other => unreadable(other),
    })
}

fn check_pixels(width: u32, height: u32) -> Result<(), ScrubError> {
    if width == 0 || height == 0 {
        return Err(ScrubError::Unreadable("the image has no pixels".into()));
    }
    if width > MAX_INPUT_SIDE
        || height > MAX_INPUT_SIDE
        || u64::from(width) * u64::from(height) > MAX_INPUT_PIXELS
    {
        return Err(ScrubError::TooManyPixels { width, height });
    }
    Ok(())
}

/// What a file's header declares, checked against the limits, without decoding.
pub fn declared(chosen: &[u8]) -> Result<Declared, ScrubError> {
    let format = format_of(chosen)?;
    let decoder = decoder_of(chosen, format)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    Ok(Declared { width, height })
}

/// Decodes `chosen` (a JPEG, PNG or WebP file as the reporter chose it) to pixels,
/// oriented and scaled, without anything else it carried.
pub fn decode(chosen: &[u8]) -> Result<(DynamicImage, ImageFormat), ScrubError> {
    let format = format_of(chosen)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(chosen) {
        return Err(ScrubError::Unreadable(
            "the file is cut short (truncated)".into(),
        ));
    }
    let mut decoder = decoder_of(chosen, format)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    // A damaged orientation tag is no reason to refuse the photo: it is then sent
    // as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    let long_side = width.max(height);
    if long_side > MAX_SENT_SIDE {
        let scale = f64::from(MAX_SENT_SIDE) / f64::from(long_side);
        let w = ((f64::from(width) * scale).round() as u32).clamp(1, MAX_SENT_SIDE);
        let h = ((f64::from(height) * scale).round() as u32).clamp(1, MAX_SENT_SIDE);
        pixels = pixels.resize_exact(w, h, image::imageops::FilterType::Triangle);
    }
    pixels.apply_orientation(orientation);
    Ok((pixels, format))
}

/// Encodes `pixels` as an image to send: PNG when `prefer_png` and the PNG is within
/// [`MAX_ATTACHMENT_BYTES`], JPEG at [`JPEG_QUALITY`] otherwise. Only the pixels are
/// written (8 bits a channel).
pub fn encode(pixels: &DynamicImage, prefer_png: bool) -> Result<Image, ScrubError> {
    if prefer_png {
        let png = encode_png(pixels)?;
        if png.len() as u64 <= MAX_ATTACHMENT_BYTES {
            return Ok(Image {
                media_type: ImageType::Png,
                bytes: png,
            });
        }
    }
    let jpeg = encode_jpeg(pixels)?;
    if jpeg.len() as u64 > MAX_ATTACHMENT_BYTES {
        return Err(ScrubError::TooLargeScrubbed { size: jpeg.len() });
    }
    Ok(Image {
        media_type: ImageType::Jpeg,
        bytes: jpeg,
    })
}

fn encode_png(pixels: &DynamicImage) -> Result<Zeroizing<Vec<u8>>, ScrubError> {
    let eight_bit = if pixels.color().has_alpha() {
        DynamicImage::ImageRgba8(pixels.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(pixels.to_rgb8())
    };
    let mut out = Zeroizing::new(Vec::new());
    eight_bit
        .write_to(&mut Cursor::new(&mut *out), ImageFormat::Png)
        .map_err(unreadable)?;
    Ok(out)
}

fn encode_jpeg(pixels: &DynamicImage) -> Result<Zeroizing<Vec<u8>>, ScrubError> {
    // JPEG has no alpha: transparent pixels are laid on white, as a viewer shows them.
    let rgb = if pixels.color().has_alpha() {
        let rgba = pixels.to_rgba8();
        let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
        for (to, from) in rgb.pixels_mut().zip(rgba.pixels()) {
            let alpha = u16::from(from[3]);
            for c in 0..3 {
                to[c] = ((u16::from(from[c]) * alpha + 255 * (255 - alpha)) / 255) as u8;
            }
        }
        rgb
    } else {
        pixels.to_rgb8()
    };
    let mut out = Zeroizing::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut *out, JPEG_QUALITY);
    rgb.write_with_encoder(encoder).map_err(unreadable)?;
    Ok(out)
}

/// Scrubs one chosen file into the image that is sent (§4.12).
pub fn scrub(chosen: &[u8]) -> Result<Image, ScrubError> {
    let (pixels, format) = decode(chosen)?;
    encode(&pixels, format == ImageFormat::Png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    /// A PNG whose IHDR declares `width`×`height` pixels and holds almost none.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbImage::new(1, 1)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out[16..20].copy_from_slice(&width.to_be_bytes());
        out[20..24].copy_from_slice(&height.to_be_bytes());
        // The IHDR chunk's CRC covers its type and data (bytes 12..29).
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    /// The CRC-32 of PNG chunks (ISO 3309), bit by bit.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_photo_comes_out_as_a_new_jpeg_of_the_same_size() {
        let image = scrub(&jpeg(64, 48)).unwrap();
        assert_eq!(image.media_type, ImageType::Jpeg);
        let back = image::load_from_memory(&image.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));
    }

    #[test]
    fn a_large_photo_is_scaled_to_the_longest_side_allowed() {
        let (pixels, _) = decode(&jpeg(5000, 1000)).unwrap();
        assert_eq!((pixels.width(), pixels.height()), (4096, 819));
    }

    #[test]
    fn a_png_stays_a_png_with_the_same_pixels() {
        let img = RgbImage::from_fn(30, 20, |x, y| Rgb([x as u8 * 8, y as u8 * 12, 7]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        png.extend_from_slice(b"PK\x03\x04 a zip after the image");
        let out = scrub(&png).unwrap();
        assert_eq!(out.media_type, ImageType::Png);
        assert_eq!(image::load_from_memory(&out.bytes).unwrap().to_rgb8(), img);
        assert!(!out.bytes.windows(4).any(|w| w == b"PK\x03\x04"));
    }

    #[test]
    fn fail_bombs_junk_and_heic_with_their_codes() {
        let bomb = png_declaring(30000, 30000);
        let e = scrub(&bomb).unwrap_err();
        assert_eq!(e.code(), "attachment_too_many_pixels", "{e}");
        let e = scrub(&png_declaring(10000, 10000)).unwrap_err();
        assert_eq!(
            e,
            ScrubError::TooManyPixels {
                width: 10000,
                height: 10000
            }
        );
        assert_eq!(
            scrub(b"<html><script>alert(1)</script></html>")
                .unwrap_err()
                .code(),
            "attachment_unreadable"
        );
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert_eq!(scrub(&heic).unwrap_err(), ScrubError::Heic);
        let big = vec![0xFFu8; MAX_CHOSEN_BYTES + 1];
        assert_eq!(scrub(&big).unwrap_err().code(), "attachment_too_large");
        let photo = jpeg(64, 48);
        for cut in [2, 20, 200, photo.len() / 2, photo.len() - 1] {
            let e = scrub(&photo[..cut]).unwrap_err();
            assert_eq!(e.code(), "attachment_unreadable", "cut at {cut}: {e}");
        }
        assert!(scrub(&[]).is_err());
    }
}
