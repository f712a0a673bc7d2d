//! SRP client costs in one run: this crate's `generate`, `password_claim_signature` and whole
//! login, the same login with the `aws-cognito-srp` crate, and the reference constant-time
//! 3072-bit exponentiation with the exponent size S uses (1025 bits: a of 1024 bits plus u·x).
//!
//! Run: `cargo bench -p cognito-sigv4-benches --bench srp -- --warm-up-time 2 --measurement-time 5`
//! (about three minutes on 2 cores).
//!
//! Times are the benchmark thread's CPU time (Linux's `/proc/thread-self/schedstat`), so that
//! figures taken on a shared machine leave out the time spent waiting for a core and the ratios
//! between rows hold; `SRP_BENCH_CLOCK=wall` (or another OS) measures wall time instead. Both
//! agree on an idle machine, as every row is single-threaded.

use std::hint::black_box;
use std::time::Duration;

use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, internals::modpow_ct_for_bench,
    password_claim_signature,
};
use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U3072, U4096};

/// The crate's group arithmetic (not public API), compiled here from the crate's own source for
/// the rows that show where the time goes: a multiplication, a squaring, each fixed-base comb
/// and the one-time cost of the combs' tables.
#[allow(dead_code, unreachable_pub)]
#[path = "../../src/user_pool/srp/group.rs"]
mod group;

use group::N_HEX;

const POOL_ID: &str = "eu-west-1_AbCdEf123";
const USER_ID: &str = "d3b07384-d9a0-4e8f-9c1b-1a2b3c4d5e6f";
const SALT: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const SECRET_BLOCK: &str = "c2VjcmV0IGJsb2NrIGZyb20gdGhlIHNlcnZpY2U=";
const PASSWORD: &str = "correct horse battery staple";
const TIMESTAMP: &str = "Mon Jan 5 09:04:03 UTC 2026";

/// A fixed 1024-bit exponent with its top bit set (the size of a generated `a`).
fn exponent_bytes() -> Vec<u8> {
    (0..128u32)
        .map(|i| (i.wrapping_mul(167).wrapping_add(13) % 251) as u8 | 0x80)
        .collect()
}

/// An `SRP_B` below N, as a server sends it.
fn srp_b_hex() -> String {
    format!("{}1234", &N_HEX[4..]).to_lowercase()
}

fn client<M: Measurement>(c: &mut Criterion<M>) {
    let mut group = c.benchmark_group("srp_client");
    group.sample_size(20);
    let b_hex = srp_b_hex();
    let ch = PasswordVerifierChallenge {
        user_pool_id: POOL_ID,
        user_id_for_srp: USER_ID,
        salt_hex: SALT,
        srp_b_hex: &b_hex,
        secret_block_b64: SECRET_BLOCK,
    };
    let password = Password::new(PASSWORD);

    group.bench_function("generate", |b| {
        b.iter(|| black_box(SrpClientEphemeral::generate()))
    });

    let a_hex: String = exponent_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let eph = SrpClientEphemeral::from_private_hex(&a_hex).unwrap();
    group.bench_function("password_claim_signature", |b| {
        b.iter(|| password_claim_signature(&eph, &ch, &password, TIMESTAMP).unwrap())
    });

    // The client's whole compute for one sign-in: a fresh ephemeral, SRP_A as sent, then the
    // answer to PASSWORD_VERIFIER.
    group.bench_function("login", |b| {
        b.iter(|| {
            let eph = SrpClientEphemeral::generate();
            black_box(eph.public_a_hex());
            password_claim_signature(&eph, &ch, &password, TIMESTAMP).unwrap()
        })
    });

    // The same with aws-cognito-srp: a client (a fresh `a`), SRP_A, then `verify` (which
    // computes A again, then g^x and S; it reads the clock for TIMESTAMP itself).
    group.bench_function("aws_cognito_srp_login", |b| {
        b.iter(|| {
            let user = aws_cognito_srp::User::new(POOL_ID, USER_ID, PASSWORD);
            let client = aws_cognito_srp::SrpClient::new(user, "client-id", None);
            let auth = black_box(client.get_auth_parameters());
            black_box(auth.a.len());
            client.verify(SECRET_BLOCK, USER_ID, SALT, &b_hex).unwrap()
        })
    });

    // What the first sign-in of a process pays once: the fixed-base tables for g.
    group.sample_size(10);
    group.bench_function("fixed_base_tables_once", |b| {
        b.iter(|| black_box(group::FixedBase::build()))
    });
    group.finish();
}

/// One constant-time 3072-bit exponentiation of a variable base with the exponent width S
/// uses: `a_bits.max(512) + 1` = 1025 bits for a 1024-bit `a`.
fn modpow<M: Measurement>(c: &mut Criterion<M>) {
    const BITS: u32 = 1025;
    let mut group = c.benchmark_group("modpow_3072_exp1025");
    group.sample_size(20);
    let mut e = [0u8; 512];
    let a = exponent_bytes();
    e[512 - a.len()..].copy_from_slice(&a);
    e[512 - a.len() - 1] = 1; // bit 1024: a + u·x may carry into it
    let exp = U4096::from_be_slice(&e);
    let base = U3072::from_be_hex(&srp_b_hex());

    // The crate's own exponentiation, the one password_claim_signature runs for S, as the crate
    // compiles it (the copy compiled here below runs a few percent faster or slower depending on
    // inlining, so the reference row calls the crate's).
    let base_bytes: [u8; 384] = base.to_be_bytes().into();
    let exp_bytes: [u8; 512] = e;
    group.bench_function("cognito_sigv4_ct", |b| {
        b.iter(|| {
            modpow_ct_for_bench(
                black_box(&base_bytes),
                black_box(&exp_bytes),
                black_box(BITS),
            )
        })
    });

    // The crate's group arithmetic as compiled here (srp/group.rs): where the time goes.
    let g = &*group::GROUP;
    let base_mont = g.to_mont(&words(&base));
    let exp_words: [u64; 64] = words(&exp);
    // Where the time goes: one Montgomery multiplication and squaring, and the fixed-base
    // exponentiations g^x (x of 256 bits) and g^a (a of 1024 bits) on the combs.
    let other = g.to_mont(&words(&U3072::from_be_hex(&N_HEX.replace('F', "3"))));
    group.bench_function("part_mont_mul", |b| {
        b.iter(|| black_box(g.mul(black_box(&base_mont), &other)))
    });
    group.bench_function("part_mont_sqr", |b| {
        b.iter(|| black_box(g.sqr(black_box(&base_mont))))
    });
    let combs = &*group::FIXED_BASE;
    group.bench_function("part_g_pow_x_256", |b| {
        b.iter(|| black_box(combs.bits256.pow(g, black_box(&exp_words[..4]))))
    });
    group.bench_function("part_g_pow_a_1024", |b| {
        b.iter(|| black_box(combs.bits1024.pow(g, black_box(&exp_words[..16]))))
    });

    // crypto-bigint, fixed-size U3072 in Montgomery form, constant time: what srp.rs used
    // before its own arithmetic.
    let params = FixedMontyParams::new_vartime(Odd::<U3072>::from_be_hex(N_HEX));
    let base_cb = FixedMontyForm::new(&base, &params);
    group.bench_function("crypto_bigint_ct", |b| {
        b.iter(|| black_box(base_cb.pow_bounded_exp(black_box(&exp), BITS)).retrieve())
    });

    // num-bigint, variable time (what aws-cognito-srp builds on).
    let n = num_bigint::BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
    let nbase = num_bigint::BigUint::from_bytes_be(&base.to_be_bytes());
    let nexp = num_bigint::BigUint::from_bytes_be(&e);
    group.bench_function("num_bigint_vartime", |b| {
        b.iter(|| black_box(nbase.modpow(black_box(&nexp), &n)))
    });
    group.finish();
}

/// A crypto-bigint number as 64-bit little-endian limbs.
fn words<const W: usize, const N: usize>(x: &crypto_bigint::Uint<W>) -> [u64; N]
where
    crypto_bigint::Uint<W>: crypto_bigint::Encoding,
{
    let bytes = x.to_le_bytes();
    let mut out = [0u64; N];
    for (limb, chunk) in out.iter_mut().zip(bytes.as_ref().chunks(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().unwrap());
    }
    out
}

/// The benchmark thread's CPU time in nanoseconds, if the OS tells it.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// A criterion measurement of the thread's CPU time (see the module docs).
struct CpuTime {
    /// Formats durations like criterion's own wall time.
    wall: WallTime,
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = Duration;

    fn start(&self) -> u64 {
        thread_cpu_ns().unwrap_or(0)
    }
    fn end(&self, start: u64) -> Duration {
        Duration::from_nanos(thread_cpu_ns().unwrap_or(0).saturating_sub(start))
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

fn main() {
    let config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    let wall = std::env::var("SRP_BENCH_CLOCK").is_ok_and(|clock| clock == "wall");
    if wall || thread_cpu_ns().is_none() {
        let mut c = config.configure_from_args();
        client(&mut c);
        modpow(&mut c);
    } else {
        let mut c = config
            .with_measurement(CpuTime { wall: WallTime })
            .configure_from_args();
        client(&mut c);
        modpow(&mut c);
    }
    Criterion::default().configure_from_args().final_summary();
}
