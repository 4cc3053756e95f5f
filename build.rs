//! Build script: compiles the C long-double shim (`src/util/ld.c`).
//!
//! Redis formats INCRBYFLOAT/HINCRBYFLOAT results with the platform's C `long double`
//! (80-bit x87 on x86_64), which Rust cannot express; the shim does that arithmetic and
//! formatting with the same libc calls Redis makes.

fn main() {
    println!("cargo:rerun-if-changed=src/util/ld.c");
    cc::Build::new()
        .file("src/util/ld.c")
        .warnings(true)
        .flag_if_supported("-std=c99")
        .compile("oxidis_ld");
}
