//! The fuzz body of `srp_arith`: the SRP group arithmetic (`cognito_sigv4::user_pool::srp::
//! internals`, Montgomery arithmetic modulo the 3072-bit prime N on raw 64-bit limbs) against
//! crypto-bigint's, on operands the fuzzer builds from edge values (0, 1, 2, N−1, N, N+1,
//! 2^3072−1) and raw bytes. Any difference panics.
//!
//! Shared with the stable replay test `tests/fuzz_replay.rs` (which takes this file by `#[path]`).
//! Every input is valid: the format is read leniently, missing bytes read as 0. Compiled for
//! 64-bit targets only, where crypto-bigint's words are the 64-bit limbs.
#![cfg(target_pointer_width = "64")]

use cognito_sigv4::user_pool::srp::internals::{self, Limbs};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U3072, Uint};

/// Limbs of a 3072-bit number.
const LIMBS: usize = 48;

/// The input as a stream of bytes; reads past the end give zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// Up to `n` bytes (fewer at the end of the input).
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    /// A 3072-bit operand: a kind byte picks an edge value, or raw bytes that follow.
    fn operand(&mut self) -> U3072 {
        let n = modulus();
        match self.byte() % 10 {
            0 => U3072::ZERO,
            1 => U3072::ONE,
            2 => U3072::from_u8(2),
            3 => n.wrapping_sub(&U3072::ONE),
            4 => n,
            5 => n.wrapping_add(&U3072::ONE),
            6 => U3072::MAX,
            // N minus a small number the next byte gives.
            7 => n.wrapping_sub(&U3072::from_u8(self.byte())),
            // Raw big-endian bytes, as many as the length byte says (times 2), zero-extended.
            _ => {
                let len = usize::from(self.byte()) * 2;
                let mut bytes = [0u8; 384];
                let raw = self.take(len.min(384));
                bytes[384 - raw.len()..].copy_from_slice(raw);
                U3072::from_be_slice(&bytes)
            }
        }
    }

    /// An exponent of `bits` bits: all ones, one set bit, or raw bytes.
    fn exponent(&mut self, bits: u32) -> Uint<64> {
        let ones = if bits == 0 {
            Uint::<64>::ZERO
        } else {
            Uint::<64>::MAX.shr_vartime(4096 - bits)
        };
        match self.byte() % 4 {
            0 => ones,
            1 => Uint::<64>::ONE.shl_vartime(bits.saturating_sub(1)) & ones,
            _ => {
                let mut bytes = [0u8; 512];
                let raw = self.take(usize::from(bits.div_ceil(8) as u16));
                bytes[512 - raw.len()..].copy_from_slice(raw);
                Uint::<64>::from_be_slice(&bytes) & ones
            }
        }
    }
}

fn modulus() -> U3072 {
    U3072::from_words(internals::modulus())
}

/// crypto-bigint's Montgomery parameters for N, computed once (they take a division).
fn params() -> &'static FixedMontyParams<LIMBS> {
    static PARAMS: std::sync::LazyLock<FixedMontyParams<LIMBS>> = std::sync::LazyLock::new(|| {
        FixedMontyParams::new_vartime(Odd::new(modulus()).expect("N is odd"))
    });
    &PARAMS
}

/// crypto-bigint's words, which are the 64-bit limbs on a 64-bit machine (the only kind this
/// body is compiled for).
fn limbs_of<const N: usize>(x: &Uint<N>) -> [u64; N] {
    *x.as_words()
}

/// A value in both Montgomery forms (reduced mod N first, as crypto-bigint does).
fn pair(x: &U3072, params: &FixedMontyParams<LIMBS>) -> (FixedMontyForm<LIMBS>, Limbs) {
    let theirs = FixedMontyForm::new(x, params);
    let ours = internals::to_mont(&limbs_of(x));
    assert_eq!(ours, limbs_of(theirs.as_montgomery()), "to_mont({x})");
    (theirs, ours)
}

/// `srp_arith`: one operation, chosen by the first byte, on operands the rest gives.
pub fn srp_arith(data: &[u8]) {
    {
        let mut input = Input(data);
        let op = input.byte();
        let params = params();
        let x = input.operand();
        let (tx, ox) = pair(&x, params);
        let same = |theirs: &FixedMontyForm<LIMBS>, ours: &Limbs, what: &str| {
            assert_eq!(
                *ours,
                limbs_of(theirs.as_montgomery()),
                "{what} for x = {x}"
            );
        };
        match op % 6 {
            // Conversion both ways.
            0 => assert_eq!(
                internals::retrieve(&ox),
                limbs_of(&tx.retrieve()),
                "retrieve({x})"
            ),
            1 => {
                let y = input.operand();
                let (ty, oy) = pair(&y, params);
                same(&(tx * ty), &internals::mul(&ox, &oy), "mul");
                same(&tx.square(), &internals::mul(&ox, &ox), "square");
            }
            2 => {
                let y = input.operand();
                let (ty, oy) = pair(&y, params);
                same(&(tx + ty), &internals::add(&ox, &oy), "add");
                same(&(tx - ty), &internals::sub(&ox, &oy), "sub");
                same(&(ty - tx), &internals::sub(&oy, &ox), "sub reversed");
            }
            // The windowed exponentiation S is computed with, on short exponents (the table
            // and the windows are the same code for every length).
            3 | 4 => {
                let bits = u32::from(input.byte() % 72);
                let e = input.exponent(bits);
                let ours = internals::pow(&ox, &limbs_of(&e), bits);
                same(&tx.pow_bounded_exp(&e, bits), &ours, "pow");
            }
            // The fixed-base comb for 256-bit exponents (x), against crypto-bigint's 2^e.
            _ => {
                let bits = u32::from(input.byte()).min(256);
                let e = input.exponent(bits);
                let g = FixedMontyForm::new(&U3072::from_u8(2), params);
                let ours = internals::g_pow(&limbs_of(&e), 256);
                same(&g.pow_bounded_exp(&e, bits), &ours, "g_pow");
            }
        }
    }
}
