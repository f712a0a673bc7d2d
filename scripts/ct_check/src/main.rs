//! Runs SRP's group arithmetic (`src/user_pool/srp/group.rs`, compiled here from the SDK's own
//! source) on secrets that valgrind's memcheck tracks as *undefined*: memcheck then reports every
//! conditional branch and every memory address the compiled code derives from them
//! ("Conditional jump or move depends on uninitialised value(s)", "Use of uninitialised value").
//! That is the ctgrind technique: a run without reports shows the machine code of `select`,
//! `mont_mul`, `reduce_once`, `add`, `sub` and the exponentiation loops (windowed and comb)
//! neither branches nor indexes on a secret, for these public lengths.
//!
//! `ct_check check` runs the arithmetic; `ct_check control` branches on a secret on purpose, so
//! that `scripts/ct_check.sh` can show the check is able to fail. Outside valgrind it refuses
//! to run (the marks would be no-ops and prove nothing).
//!
//! The client requests are valgrind's documented amd64 "special instruction" sequence
//! (`valgrind.h`), written here because the `crabgrind` crate builds its bindings with bindgen,
//! which needs libclang.

#[allow(dead_code, unreachable_pub)]
#[path = "../../../src/user_pool/srp/group.rs"]
mod group;

use std::hint::black_box;

use group::{FIXED_BASE, GROUP, Mont};

/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;
/// `VG_USERREQ__MAKE_MEM_UNDEFINED` (memcheck's tool base `'M' << 24 | 'C' << 16`, plus 1).
const MAKE_MEM_UNDEFINED: u64 = 0x4d43_0001;
/// `VG_USERREQ__MAKE_MEM_DEFINED`.
const MAKE_MEM_DEFINED: u64 = 0x4d43_0002;

/// A valgrind client request; returns 0 when not running under valgrind.
#[cfg(target_arch = "x86_64")]
fn client_request(request: u64, addr: *const u8, len: usize) -> u64 {
    let args: [u64; 6] = [request, addr as u64, len as u64, 0, 0, 0];
    let mut result: u64 = 0;
    // SAFETY: the rotations of rdi add up to 128 bits (rdi is unchanged) and `xchg rbx, rbx`
    // is a no-op on the CPU; under valgrind the sequence reads `args` and sets rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            out("rdi") _,
        );
    }
    result
}

/// Marks `value`'s bytes as secret (undefined) for memcheck.
fn secret<T>(value: &T) {
    let _ = client_request(
        MAKE_MEM_UNDEFINED,
        (value as *const T).cast(),
        size_of::<T>(),
    );
}

/// Marks `value`'s bytes as public again, once a result may be looked at.
fn public<T>(value: &T) {
    let _ = client_request(MAKE_MEM_DEFINED, (value as *const T).cast(), size_of::<T>());
}

/// Deterministic filler (splitmix64) for the operands.
fn filled<const N: usize>(seed: u64) -> [u64; N] {
    let mut state = seed;
    std::array::from_fn(|_| {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

fn check() {
    let group = &*GROUP;
    // The public one-time work first (tables of powers of g), outside the secret region.
    let _ = &*FIXED_BASE;
    let mut x: group::Limbs = filled(1);
    x[47] >>= 1; // below N
    let mut y: group::Limbs = filled(2);
    y[47] >>= 1;
    let exp1025: [u64; 64] = filled(3);
    let exp1024: [u64; 16] = filled(4);
    let exp256: [u64; 4] = filled(5);
    for v in [&x, &y] {
        secret(v);
    }
    secret(&exp1025);
    secret(&exp1024);
    secret(&exp256);

    // The element operations, on secret operands (conversion, product, square, sum, difference;
    // reduce_once inside each).
    let mx = group.to_mont(&x);
    let my = group.to_mont(&y);
    let results = [
        group.mul(&mx, &my),
        group.sqr(&mx),
        group.add(&mx, &my),
        group.sub(&mx, &my),
        group.sub(&my, &mx),
        Mont::from_limbs(group.retrieve(&mx)),
    ];
    // The exponentiations: S's windowed one (secret base and 1025-bit exponent), and g's combs
    // for a (1024 bits) and x (256 bits); `select` runs inside each.
    let s = group.pow(&mx, &exp1025, 1025);
    let ga = FIXED_BASE.bits1024.pow(group, &exp1024);
    let gx = FIXED_BASE.bits256.pow(group, &exp256);

    let mut digest = 0u64;
    for value in results.iter().chain([&s, &ga, &gx]) {
        let limbs = value.clone().into_limbs();
        public(&limbs);
        digest ^= limbs.iter().fold(0, |acc, &l| acc ^ l);
    }
    for v in [&mut x, &mut y] {
        public(v);
    }
    public(&exp1025);
    public(&exp1024);
    public(&exp256);
    println!("ct_check: group arithmetic ran on secret inputs (digest {digest:016x})");
}

/// A branch on a secret, which memcheck must report.
fn control() {
    let bits: [u64; 1] = [black_box(0x5ec2e7)];
    secret(&bits);
    let taken = if bits[0] & 1 == 1 {
        black_box(1)
    } else {
        black_box(2)
    };
    public(&bits);
    println!("ct_check control: took {taken}");
}

fn main() {
    #[cfg(not(target_arch = "x86_64"))]
    {
        eprintln!("ct_check: only x86-64 is checked");
        std::process::exit(2);
    }
    if client_request(RUNNING_ON_VALGRIND, std::ptr::null(), 0) == 0 {
        eprintln!("ct_check: run me under valgrind (scripts/ct_check.sh)");
        std::process::exit(2);
    }
    match std::env::args().nth(1).as_deref() {
        Some("check") => check(),
        Some("control") => control(),
        _ => {
            eprintln!("usage: ct_check check|control");
            std::process::exit(2);
        }
    }
}
