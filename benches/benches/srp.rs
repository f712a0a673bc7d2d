//! SRP client costs, and the big-integer candidates' 3072-bit modular exponentiation.
//!
//! Run: `cargo bench -p cognito-sigv4-benches --bench srp`. Sample sizes are small so it finishes in
//! about a minute on 2 cores.

use std::hint::black_box;
use std::time::Duration;

use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, password_claim_signature,
};
use criterion::{Criterion, criterion_group, criterion_main};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U3072};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// A fixed 1024-bit exponent (the size of a generated `a`).
fn exponent_bytes() -> Vec<u8> {
    (0..128u32)
        .map(|i| (i.wrapping_mul(167).wrapping_add(13) % 251) as u8 | 0x80)
        .collect()
}

fn client(c: &mut Criterion) {
    let mut group = c.benchmark_group("srp_client");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("generate", |b| {
        b.iter(|| black_box(SrpClientEphemeral::generate()))
    });

    let a_hex: String = exponent_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let eph = SrpClientEphemeral::from_private_hex(&a_hex).unwrap();
    let b_hex = format!("{}1234", &N_HEX[4..]).to_lowercase();
    let ch = PasswordVerifierChallenge {
        user_pool_id: "eu-west-1_AbCdEf123",
        user_id_for_srp: "d3b07384-d9a0-4e8f-9c1b-1a2b3c4d5e6f",
        salt_hex: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        srp_b_hex: &b_hex,
        secret_block_b64: "c2VjcmV0IGJsb2NrIGZyb20gdGhlIHNlcnZpY2U=",
    };
    let password = Password::new("correct horse battery staple");
    group.bench_function("password_claim_signature", |b| {
        b.iter(|| {
            password_claim_signature(&eph, &ch, &password, "Mon Jan 5 09:04:03 UTC 2026").unwrap()
        })
    });
    group.finish();
}

fn modpow(c: &mut Criterion) {
    let mut group = c.benchmark_group("modpow_3072_exp1024");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let e = exponent_bytes();

    // crypto-bigint, fixed-size U3072 in Montgomery form (constant time): what srp.rs uses.
    let params = FixedMontyParams::new_vartime(Odd::<U3072>::from_be_hex(N_HEX));
    let g = FixedMontyForm::new(&U3072::from_u8(2), &params);
    let mut buf = [0u8; 384];
    buf[384 - e.len()..].copy_from_slice(&e);
    let exp = U3072::from_be_slice(&buf);
    group.bench_function("crypto_bigint_fixed_ct", |b| {
        b.iter(|| black_box(g.pow_bounded_exp(black_box(&exp), 1024)).retrieve())
    });
    group.bench_function("crypto_bigint_fixed_vartime", |b| {
        b.iter(|| black_box(g.pow_vartime(black_box(&exp))).retrieve())
    });

    // crypto-bigint's heap-allocated BoxedUint needs its `alloc` feature, which this crate does
    // not enable; the fixed-size U3072 is the natural fit for a fixed 3072-bit group anyway.

    // num-bigint (variable time).
    let n = num_bigint::BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
    let two = num_bigint::BigUint::from(2u32);
    let nexp = num_bigint::BigUint::from_bytes_be(&e);
    group.bench_function("num_bigint_vartime", |b| {
        b.iter(|| black_box(two.modpow(black_box(&nexp), &n)))
    });
    group.finish();
}

criterion_group!(benches, client, modpow);
criterion_main!(benches);
