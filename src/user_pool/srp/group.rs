//! Cognito's SRP group: arithmetic modulo the 3072-bit MODP prime N of RFC 3526 (g = 2), written
//! for the exponentiations a sign-in spends its time in.
//!
//! * Montgomery multiplication on 48 fixed 64-bit limbs: product scanning with the reduction
//!   interleaved and two independent carry chains in the inner loop, about 25% faster than
//!   crypto-bigint's generic loop.
//! * [`Group::pow`]: a variable base to a secret exponent, fixed 5-bit windows.
//! * [`Comb`]: the fixed base g to a secret exponent (Lim–Lee comb). Tables of products of powers
//!   g^(2^k), built once per process, turn a 1024-bit exponent into 42 squarings and 172
//!   multiplications instead of about 1230 operations.
//!
//! Constant time: no branch and no memory address depends on a value or an exponent. Table
//! entries are chosen by reading the whole table and keeping one entry under a mask that
//! `ctutils::CtEq` computes with a `cmov` instruction (inline assembly the optimiser cannot see
//! through, from the RustCrypto `cmov` crate that crypto-bigint itself relies on); the final
//! conditional subtraction of a product and a sum is a `ctutils::CtAssign` (`cmov` per limb).
//! Only the exponents' bit bounds, which are public, shape the work. `scripts/ct_check.sh`
//! checks the compiled code (SECURITY.md).
//!
//! Zeroization: [`Mont`] is not `Copy` and clears itself on drop, and every scratch array
//! (the quotient digits, the unreduced product, the difference, the selection masks) is
//! cleared before it goes out of scope.
//!
//! The file uses no other module of the crate, so that `benches/benches/srp.rs` compiles the
//! same source as its reference exponentiation.

use std::sync::LazyLock;

use crypto_bigint::Choice;
use crypto_bigint::ctutils::{CtAssign, CtEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// N, big-endian hex.
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// 64-bit limbs of a number below 2^3072.
pub(crate) const LIMBS: usize = 48;
/// Little-endian limbs.
pub(crate) type Limbs = [u64; LIMBS];

/// Bits of a window of [`Group::pow`]: 5 costs the fewest operations for a 1025-bit exponent
/// (205 multiplications and a 32-entry table beside the 1025 squarings).
const WINDOW: u32 = 5;

/// A number modulo N in Montgomery form (x·2^3072 mod N), fully reduced. Not `Copy`, so
/// that no copy is made without a `clone()` in the source, and cleared on drop: every value
/// of the exponentiations is derived from a secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Mont(Limbs);

impl Mont {
    /// A value from its Montgomery-form limbs (for the raw-limb test interface, the fuzz
    /// targets and the constant-time checks).
    #[allow(dead_code)]
    pub(crate) fn from_limbs(limbs: Limbs) -> Mont {
        Mont(limbs)
    }

    /// The Montgomery-form limbs (for the raw-limb test interface).
    #[allow(dead_code)]
    pub(crate) fn into_limbs(self) -> Limbs {
        self.0
    }

    /// Whether the number is 0. Variable time: for public values only.
    pub(crate) fn is_zero_vartime(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// N and its Montgomery constants.
pub(crate) struct Group {
    n: Limbs,
    /// −N⁻¹ mod 2^64 (1 for this N, whose low limb is all ones).
    n0inv: u64,
    /// 2^6144 mod N: `mul(x, r2)` puts x in Montgomery form.
    r2: Mont,
    /// 1 in Montgomery form (2^3072 mod N).
    one: Mont,
}

/// N as limbs (for the raw-limb test interface).
#[allow(dead_code)]
pub(crate) fn n_limbs() -> Limbs {
    GROUP.n
}

/// The group, computed once.
pub(crate) static GROUP: LazyLock<Group> = LazyLock::new(Group::new);

/// The 192-bit accumulator of one column of a product.
#[derive(Clone, Copy, Default, Zeroize)]
struct Acc {
    lo: u128,
    hi: u64,
}

impl Acc {
    #[inline(always)]
    fn mac(&mut self, a: u64, b: u64) {
        let (sum, carry) = self.lo.overflowing_add(u128::from(a) * u128::from(b));
        self.lo = sum;
        self.hi += u64::from(carry);
    }

    #[inline(always)]
    fn add(&mut self, other: Acc) {
        let (sum, carry) = self.lo.overflowing_add(other.lo);
        self.lo = sum;
        self.hi += other.hi + u64::from(carry);
    }

    /// Takes out the low limb and moves to the next column.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let low = self.lo as u64;
        self.lo = (self.lo >> 64) | (u128::from(self.hi) << 64);
        self.hi = 0;
        low
    }
}

/// Σ x[i]·y[len−1−i] + Σ z[i]·w[len−1−i] into `acc` (all four slices of one length), one sum
/// on each of two carry chains.
#[inline(always)]
fn dot2(acc: &mut Acc, (x, y): (&[u64], &[u64]), (z, w): (&[u64], &[u64])) {
    let mut second = Acc::default();
    for ((&a, &b), (&c, &d)) in x
        .iter()
        .zip(y.iter().rev())
        .zip(z.iter().zip(w.iter().rev()))
    {
        acc.mac(a, b);
        second.mac(c, d);
    }
    acc.add(second);
}

impl Group {
    fn new() -> Self {
        let mut n = [0u64; LIMBS];
        for (i, limb) in n.iter_mut().enumerate() {
            let end = N_HEX.len() - 16 * i;
            // A constant of 768 hex digits: every chunk parses.
            *limb = u64::from_str_radix(&N_HEX[end - 16..end], 16).unwrap_or_default();
        }
        // Newton's iteration doubles the correct low bits of N⁻¹ mod 2^64 each step.
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        // 2^3072 mod N = 2^3072 − N, as N > 2^3071.
        let mut one = [0u64; LIMBS];
        let mut borrow = false;
        for (o, &limb) in one.iter_mut().zip(n.iter()) {
            let (d, b1) = 0u64.overflowing_sub(limb);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *o = d;
            borrow = b1 | b2;
        }
        let mut group = Group {
            n,
            n0inv: inv.wrapping_neg(),
            r2: Mont(one),
            one: Mont(one),
        };
        // 2^6144 mod N by 3072 doublings of 2^3072 mod N.
        let mut r2 = Mont(one);
        for _ in 0..3072 {
            r2 = group.add(&r2, &r2);
        }
        group.r2 = r2;
        group
    }

    /// `t + carry·2^3072 − N` if that is not negative, else `t`: the last step of a Montgomery
    /// product or a sum, whose value is below 2N.
    #[inline(always)]
    fn reduce_once(&self, t: &Limbs, carry: u64) -> Mont {
        let mut d = [0u64; LIMBS];
        let mut borrow = 0u64;
        for ((out, &x), &m) in d.iter_mut().zip(t.iter()).zip(self.n.iter()) {
            let (v, b1) = x.overflowing_sub(m);
            let (v, b2) = v.overflowing_sub(borrow);
            *out = v;
            borrow = u64::from(b1 | b2);
        }
        // The difference is the answer when the sum carried out of 2^3072 or did not borrow.
        let mut result = Mont(*t);
        result
            .0
            .ct_assign(&d, Choice::from_u64_nz(carry | (borrow ^ 1)));
        d.zeroize();
        result
    }

    /// (a + b) mod N.
    pub(crate) fn add(&self, a: &Mont, b: &Mont) -> Mont {
        let mut t = [0u64; LIMBS];
        let mut carry = false;
        for ((out, &x), &y) in t.iter_mut().zip(a.0.iter()).zip(b.0.iter()) {
            let (v, c1) = x.overflowing_add(y);
            let (v, c2) = v.overflowing_add(u64::from(carry));
            *out = v;
            carry = c1 | c2;
        }
        self.reduce_once(&t, u64::from(carry))
    }

    /// (a − b) mod N.
    pub(crate) fn sub(&self, a: &Mont, b: &Mont) -> Mont {
        let mut d = [0u64; LIMBS];
        let mut borrow = false;
        for ((out, &x), &y) in d.iter_mut().zip(a.0.iter()).zip(b.0.iter()) {
            let (v, b1) = x.overflowing_sub(y);
            let (v, b2) = v.overflowing_sub(u64::from(borrow));
            *out = v;
            borrow = b1 | b2;
        }
        // d + N is the answer when the difference went negative (mod 2^3072, the carry out
        // cancels the borrow).
        let mut plus_n = [0u64; LIMBS];
        let mut carry = false;
        for ((out, &x), &m) in plus_n.iter_mut().zip(d.iter()).zip(self.n.iter()) {
            let (v, c1) = x.overflowing_add(m);
            let (v, c2) = v.overflowing_add(u64::from(carry));
            *out = v;
            carry = c1 | c2;
        }
        let mut result = Mont(d);
        result
            .0
            .ct_assign(&plus_n, Choice::from_u64_nz(u64::from(borrow)));
        d.zeroize();
        plus_n.zeroize();
        result
    }

    /// The Montgomery product a·b·2^−3072 mod N.
    pub(crate) fn mul(&self, a: &Mont, b: &Mont) -> Mont {
        self.mont_mul(&a.0, &b.0)
    }

    /// The Montgomery product a·b·2^−3072 mod N, for any a, b below 2^3072 whose product is
    /// below 2^3072·N (so one operand may be unreduced, as in [`Group::to_mont`]).
    // Always inlined, into one never-inlined `pow`: with the choice left to the compiler, the
    // same source measured up to 15% slower from one build to the next.
    #[inline(always)]
    fn mont_mul(&self, a: &Limbs, b: &Limbs) -> Mont {
        let n = &self.n;
        let mut q = [0u64; LIMBS];
        let mut out = [0u64; LIMBS];
        let mut acc = Acc::default();
        for k in 0..LIMBS {
            dot2(&mut acc, (&a[..k], &b[1..=k]), (&q[..k], &n[1..=k]));
            acc.mac(a[k], b[0]);
            let qk = (acc.lo as u64).wrapping_mul(self.n0inv);
            q[k] = qk;
            acc.mac(qk, n[0]);
            acc.shift();
        }
        for k in LIMBS..2 * LIMBS - 1 {
            let s = k + 1 - LIMBS;
            dot2(&mut acc, (&a[s..], &b[s..]), (&q[s..], &n[s..]));
            out[k - LIMBS] = acc.shift();
        }
        out[LIMBS - 1] = acc.shift();
        let carry = acc.lo as u64;
        let result = self.reduce_once(&out, carry);
        q.zeroize();
        out.zeroize();
        acc.zeroize();
        result
    }

    /// The Montgomery square a²·2^−3072 mod N. A dedicated squaring, which computes each cross
    /// product once (3,480 limb products instead of 4,608), measured 15% slower than this
    /// product on two carry chains: its columns make shorter, uneven loops.
    pub(crate) fn sqr(&self, a: &Mont) -> Mont {
        self.mont_mul(&a.0, &a.0)
    }

    /// x·2^3072 mod N for any x below 2^3072 (reduced on the way).
    pub(crate) fn to_mont(&self, x: &Limbs) -> Mont {
        self.mont_mul(x, &self.r2.0)
    }

    /// The number back out of Montgomery form, below N.
    pub(crate) fn retrieve(&self, a: &Mont) -> Limbs {
        let mut unit = [0u64; LIMBS];
        unit[0] = 1;
        self.mont_mul(&a.0, &unit).0
    }

    /// base^exp mod N over the low `bits` bits of `exp` (higher bits are ignored), in
    /// constant time for a given `bits`.
    #[inline(never)]
    pub(crate) fn pow(&self, base: &Mont, exp: &[u64], bits: u32) -> Mont {
        let bits = bits.min(u32::try_from(exp.len() * 64).unwrap_or(u32::MAX));
        if bits == 0 {
            return self.one.clone();
        }
        // table[i] = base^i (each entry cleared on drop)
        let mut table: [Mont; 1 << WINDOW] = std::array::from_fn(|_| self.one.clone());
        table[1] = base.clone();
        for i in 2..table.len() {
            table[i] = if i % 2 == 0 {
                self.sqr(&table[i / 2])
            } else {
                self.mul(&table[i - 1], base)
            };
        }
        let windows = bits.div_ceil(WINDOW);
        let top = windows - 1;
        // The top window holds only the bits below `bits`.
        let top_mask = (1u64 << (bits - top * WINDOW)) - 1;
        let mut acc = select(&table, window(exp, top * WINDOW, WINDOW) & top_mask);
        for w in (0..top).rev() {
            for _ in 0..WINDOW {
                acc = self.sqr(&acc);
            }
            let entry = select(&table, window(exp, w * WINDOW, WINDOW));
            acc = self.mul(&acc, &entry);
        }
        acc
    }
}

/// `width` (≤ 64) bits of `exp` from bit `pos`; bits past its end read as 0. The position is
/// public, so the limb reads are too.
#[inline(always)]
fn window(exp: &[u64], pos: u32, width: u32) -> u64 {
    let (limb, shift) = ((pos / 64) as usize, pos % 64);
    let low = exp.get(limb).copied().unwrap_or(0) >> shift;
    let high = match (shift, exp.get(limb + 1)) {
        (0, _) | (_, None) => 0,
        (_, Some(&next)) => next << (64 - shift),
    };
    let value = low | high;
    if width >= 64 {
        value
    } else {
        value & ((1 << width) - 1)
    }
}

/// The entry `index` of `table` (at most 256 entries), reading every entry (constant time in
/// `index`).
///
/// The one-hot masks come from `ctutils`'s `CtEq` (a `cmp` and a `cmov` in inline assembly on
/// x86-64 and AArch64), so the compiler cannot tell which mask is set and turn the scan into a
/// branch or an indexed load; the scan itself is AND/OR over every entry, which it vectorises.
/// `cmov` per limb (`CtAssign`) instead measured slower: it cannot be vectorised.
#[inline(always)]
fn select(table: &[Mont], index: u64) -> Mont {
    // Eight limbs at a time across all entries, so the partial result stays in registers.
    const CHUNK: usize = 8;
    let mut masks = [0u64; 256];
    let masks = &mut masks[..table.len()];
    for (i, mask) in masks.iter_mut().enumerate() {
        *mask = (i as u64).ct_eq(&index).to_u64_mask();
    }
    let mut out = Mont([0u64; LIMBS]);
    for (c, chunk) in out.0.chunks_exact_mut(CHUNK).enumerate() {
        let mut acc = [0u64; CHUNK];
        for (entry, &mask) in table.iter().zip(masks.iter()) {
            let limbs = &entry.0[c * CHUNK..(c + 1) * CHUNK];
            for (a, &e) in acc.iter_mut().zip(limbs.iter()) {
                *a |= e & mask;
            }
        }
        chunk.copy_from_slice(&acc);
        acc.zeroize();
    }
    // The masks say which entry was taken.
    masks.zeroize();
    out
}

/// A Lim–Lee comb for g^e with a fixed base g and exponents up to `teeth · spacing` bits.
///
/// The exponent is cut into `teeth` slices of `spacing` bits; bit c of every slice together
/// picks one product of g^(2^(t·spacing)) from a table. Cutting each slice again into `blocks`
/// blocks of `block_bits` bits, with one table per block, leaves `block_bits − 1` squarings and
/// `blocks · block_bits` multiplications, each after a scan of a 2^teeth-entry table.
pub(crate) struct Comb {
    teeth: u32,
    spacing: u32,
    blocks: u32,
    block_bits: u32,
    /// `table[s · 2^teeth + j]` = Π over the bits t of j of g^(2^(t·spacing + s·block_bits)).
    table: Vec<Mont>,
}

impl Comb {
    /// The exponents g^(2^k) this comb's tables are made of, for [`Comb::new`].
    pub(crate) fn needs(bits: u32, teeth: u32, blocks: u32) -> u32 {
        let spacing = bits.div_ceil(teeth);
        let block_bits = spacing.div_ceil(blocks);
        (teeth - 1) * spacing + (blocks - 1) * block_bits
    }

    /// The comb for exponents of up to `bits` bits, from `powers[k]` = g^(2^k) for every k up
    /// to [`Comb::needs`].
    pub(crate) fn new(group: &Group, powers: &[Mont], bits: u32, teeth: u32, blocks: u32) -> Self {
        let spacing = bits.div_ceil(teeth);
        let block_bits = spacing.div_ceil(blocks);
        let width = 1usize << teeth;
        let mut table = Vec::with_capacity(blocks as usize * width);
        for s in 0..blocks {
            let first = table.len();
            table.push(group.one.clone());
            for j in 1..width {
                // j = its top bit t plus the rest, already in the table.
                let t = j.ilog2();
                let power = &powers[(t * spacing + s * block_bits) as usize];
                let rest = j - (1 << t);
                table.push(if rest == 0 {
                    power.clone()
                } else {
                    group.mul(&table[first + rest], power)
                });
            }
        }
        Comb {
            teeth,
            spacing,
            blocks,
            block_bits,
            table,
        }
    }

    /// g^exp mod N in constant time; `exp` must be below 2^(teeth · spacing) (the bits above
    /// are not read).
    pub(crate) fn pow(&self, group: &Group, exp: &[u64]) -> Mont {
        let width = 1usize << self.teeth;
        let mut acc: Option<Mont> = None;
        for col in (0..self.block_bits).rev() {
            if let Some(value) = acc.as_mut() {
                *value = group.sqr(value);
            }
            for s in 0..self.blocks {
                let offset = s * self.block_bits + col;
                // The last block may run past the slice; those columns are empty.
                if offset >= self.spacing {
                    continue;
                }
                let mut index = 0u64;
                for t in 0..self.teeth {
                    index |= window(exp, t * self.spacing + offset, 1) << t;
                }
                let row = &self.table[s as usize * width..(s as usize + 1) * width];
                let entry = select(row, index);
                index.zeroize();
                acc = Some(match acc {
                    None => entry,
                    Some(value) => group.mul(&value, &entry),
                });
            }
        }
        acc.unwrap_or_else(|| group.one.clone())
    }
}

/// g^(2^k) for k = 0..=`max_k`, the raw material of [`Comb::new`] (g = 2).
pub(crate) fn powers_of_g(group: &Group, max_k: u32) -> Vec<Mont> {
    let mut two = [0u64; LIMBS];
    two[0] = 2;
    let mut powers = Vec::with_capacity(max_k as usize + 1);
    powers.push(group.to_mont(&two));
    for k in 0..max_k as usize {
        let next = group.sqr(&powers[k]);
        powers.push(next);
    }
    powers
}

/// Teeth of both combs: 64-entry tables, whose scan costs about a fifth of a multiplication.
const TEETH: u32 = 6;
/// Blocks (tables) of both combs: 4 gives 42 squarings and 172 multiplications for 1024 bits.
const BLOCKS: u32 = 4;

/// The fixed-base combs for g = 2, built once per process (about 1,000 squarings and 460
/// multiplications, the cost of one and a half exponentiations, at the first sign-in).
pub(crate) struct FixedBase {
    /// For exponents of up to 1024 bits: the private `a`.
    pub(crate) bits1024: Comb,
    /// For exponents of up to 256 bits: x, a SHA-256 hash.
    pub(crate) bits256: Comb,
}

impl FixedBase {
    /// Builds both combs from one chain of squarings of g.
    pub(crate) fn build() -> Self {
        let group = &*GROUP;
        let max_k = Comb::needs(1024, TEETH, BLOCKS).max(Comb::needs(256, TEETH, BLOCKS));
        let powers = powers_of_g(group, max_k);
        FixedBase {
            bits1024: Comb::new(group, &powers, 1024, TEETH, BLOCKS),
            bits256: Comb::new(group, &powers, 256, TEETH, BLOCKS),
        }
    }
}

/// g's combs.
pub(crate) static FIXED_BASE: LazyLock<FixedBase> = LazyLock::new(FixedBase::build);

// The tests read crypto-bigint's words as 64-bit limbs.
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;
    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    use crypto_bigint::{Odd, U3072, Uint};

    fn params() -> FixedMontyParams<LIMBS> {
        FixedMontyParams::new_vartime(Odd::<U3072>::from_be_hex(N_HEX))
    }

    /// Pseudo-random numbers (splitmix64), reproducible from run to run.
    fn random<const L: usize>() -> Uint<L> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static STATE: AtomicU64 = AtomicU64::new(0x5eed_5eed_5eed_5eed);
        let mut words = [0 as crypto_bigint::Word; L];
        for w in &mut words {
            let mut z = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            *w = (z ^ (z >> 31)) as crypto_bigint::Word;
        }
        Uint::from_words(words)
    }

    /// A value below N in both representations.
    fn pair(x: &U3072) -> (FixedMontyForm<LIMBS>, Mont) {
        let ours = GROUP.to_mont(x.as_words());
        (FixedMontyForm::new(x, &params()), ours)
    }

    fn same(theirs: &FixedMontyForm<LIMBS>, ours: &Mont) -> bool {
        theirs.as_montgomery().as_words() == &ours.0
    }

    #[test]
    fn montgomery_arithmetic_agrees_with_crypto_bigint() {
        let n = U3072::from_be_hex(N_HEX);
        let n_minus_1 = n.wrapping_sub(&U3072::ONE);
        let mut values = vec![
            U3072::ZERO,
            U3072::ONE,
            U3072::from_u8(2),
            n_minus_1,
            U3072::MAX,
        ];
        values.extend((0..20).map(|_| random::<LIMBS>()));
        for x in &values {
            let (tx, ox) = pair(x);
            assert!(same(&tx, &ox), "to_mont");
            assert_eq!(&GROUP.retrieve(&ox), tx.retrieve().as_words(), "retrieve");
            assert!(same(&tx.square(), &GROUP.sqr(&ox)), "sqr");
            for y in &values {
                let (ty, oy) = pair(y);
                assert!(same(&(tx * ty), &GROUP.mul(&ox, &oy)), "mul");
                assert!(same(&(tx + ty), &GROUP.add(&ox, &oy)), "add");
                assert!(same(&(tx - ty), &GROUP.sub(&ox, &oy)), "sub");
            }
        }
    }

    /// `reduce_once` subtracts N when the sum reached N without a carry out of 2^3072 ("carry 0,
    /// no borrow"), a path random operands essentially never take: (N − 1) + 1 = N ≡ 0 lands
    /// exactly on it, (N − 1) + 2 just past it. Kills the mutant that subtracts on the carry
    /// alone.
    #[test]
    fn a_sum_reaching_n_exactly_is_reduced() {
        let n = GROUP.n;
        let mut n_minus: [Limbs; 3] = [n; 3];
        for (k, value) in n_minus.iter_mut().enumerate() {
            value[0] -= k as u64 + 1; // N − 1, N − 2, N − 3 (N's low limb is all ones)
        }
        let small = |v: u64| {
            let mut l = [0u64; LIMBS];
            l[0] = v;
            Mont(l)
        };
        let sum = GROUP.add(&Mont(n_minus[0]), &small(1));
        assert_eq!(sum.0, [0u64; LIMBS], "(N − 1) + 1");
        assert_eq!(
            GROUP.add(&Mont(n_minus[0]), &small(2)).0,
            small(1).0,
            "(N − 1) + 2"
        );
        assert_eq!(
            GROUP.add(&Mont(n_minus[2]), &small(2)).0,
            n_minus[0],
            "(N − 3) + 2"
        );
        // And the subtraction's wrap the other way.
        assert_eq!(GROUP.sub(&small(0), &small(1)).0, n_minus[0], "0 − 1");
        assert_eq!(GROUP.sub(&small(1), &small(1)).0, [0u64; LIMBS], "1 − 1");
        // crypto-bigint agrees (in Montgomery form both sides).
        let (t1, o1) = pair(&U3072::ONE);
        let (tm, om) = pair(&U3072::from_words(n_minus[0]));
        assert!(same(&(t1 + tm), &GROUP.add(&o1, &om)));
    }

    /// Exponents worth checking below 2^bits: 0, 1, 2^(bits−1), all ones, random ones.
    fn exponents<const L: usize>(bits: u32) -> Vec<Uint<L>> {
        let all_ones = Uint::<L>::MAX.shr_vartime(Uint::<L>::BITS - bits);
        let mut out = vec![
            Uint::ZERO,
            Uint::ONE,
            Uint::ONE.shl_vartime(bits - 1),
            all_ones,
        ];
        out.extend((0..6).map(|_| random::<L>() & all_ones));
        // Sparse and short ones too.
        out.push(random::<L>() & all_ones.shr_vartime(bits / 2));
        out
    }

    #[test]
    fn variable_base_pow_agrees_with_crypto_bigint() {
        let (tb, ob) = pair(&random::<LIMBS>());
        for bits in [1, 5, 6, 64, 257, 1025, 2041] {
            for e in exponents::<64>(bits) {
                let theirs = tb.pow_bounded_exp(&e, bits);
                assert!(
                    same(&theirs, &GROUP.pow(&ob, e.as_words(), bits)),
                    "{bits}: {e}"
                );
            }
        }
        // Bits above the bound are ignored, as crypto-bigint does.
        let e = Uint::<64>::MAX;
        assert!(same(
            &tb.pow_bounded_exp(&e, 1025),
            &GROUP.pow(&ob, e.as_words(), 1025)
        ));
        assert!(GROUP.pow(&ob, e.as_words(), 0).0 == GROUP.one.0);
    }

    #[test]
    fn fixed_base_combs_agree_with_crypto_bigint() {
        let g = FixedMontyForm::new(&U3072::from_u8(2), &params());
        for (comb, bits) in [(&FIXED_BASE.bits1024, 1024), (&FIXED_BASE.bits256, 256)] {
            for e in exponents::<16>(bits) {
                let theirs = g.pow_bounded_exp(&e, bits);
                assert!(
                    same(&theirs, &comb.pow(&GROUP, e.as_words())),
                    "{bits}: {e}"
                );
            }
        }
    }
}
