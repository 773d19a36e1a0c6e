//! capy patch: the stable sort behind `list.sort()` and `sorted()`.
//!
//! Upstream 0.5.0 calls the `timsort` crate (0.1.3), whose `merge_collapse`
//! tests `runs[l-1].len <= runs[l-2].len + runs[l-1].len` (always true)
//! instead of `runs[l-3].len <= ...`. The run stack then never stays
//! balanced: every new min-run is merged into one ever-growing run, so random
//! input costs O(n^2 / minrun) comparisons (200k random floats: 42.7 s
//! natively, 20 million comparisons for 40k elements instead of 0.6 million).
//! See guest/vendor/README.md.
//!
//! This module is a natural merge sort in the style of CPython's
//! `listobject.c`: run detection (strictly descending runs are reversed),
//! binary insertion sort to extend short runs to `minrun`, the powersort merge
//! policy, and merges through a scratch buffer with galloping.
//!
//! It sorts a permutation of indices rather than the elements themselves. The
//! indices are `Copy`, so the code needs no `unsafe`, and whatever the
//! comparator does (raise, answer inconsistently) the caller's elements are
//! untouched until the sort has succeeded. Every loop moves at least one index
//! per step and every search is bounded by construction, so an inconsistent
//! comparator yields some permutation after O(n log n) comparisons: it cannot
//! make the sort panic, index out of bounds or loop forever.

use alloc::vec::Vec;

/// Galloping starts after this many consecutive wins of one run (CPython).
const MIN_GALLOP: usize = 7;

/// Returns the stable sorting permutation of `0..n`: `result[k]` is the
/// index of the element that goes to position `k`.
///
/// `lt(a, b)` must return whether element `a` is less than element `b`; it is
/// the only comparison used (as in CPython, which sorts with `<` only).
///
/// With `reverse`, the order is descending and elements that compare equal
/// keep their original order, exactly as CPython does it: reverse, sort
/// ascending, reverse again.
///
/// The first error of `lt` is returned as is, and the sort stops there.
pub(crate) fn sort_permutation<E>(
    n: usize,
    reverse: bool,
    mut lt: impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<Vec<usize>, E> {
    let mut perm: Vec<usize> = if reverse {
        (0..n).rev().collect()
    } else {
        (0..n).collect()
    };
    sort_indices(&mut perm, &mut lt)?;
    if reverse {
        perm.reverse();
    }
    Ok(perm)
}

/// Reorders `values` so that `values[k]` becomes the old `values[perm[k]]`.
/// `perm` must be a permutation of `0..values.len()` (as returned by
/// [`sort_permutation`]); if it were not, no element would be lost or
/// duplicated: the ones `perm` misses would end up at the end.
pub(crate) fn apply_permutation<T>(values: &mut Vec<T>, perm: &[usize]) {
    if perm.len() == values.len() && perm.iter().enumerate().all(|(k, &i)| k == i) {
        return; // already sorted
    }
    let mut slots: Vec<Option<T>> = values.drain(..).map(Some).collect();
    for &i in perm {
        if let Some(x) = slots.get_mut(i).and_then(Option::take) {
            values.push(x);
        }
    }
    values.extend(slots.into_iter().flatten());
}

/// A run waiting to be merged: `v[start..start + len]`, and the powersort
/// power of the boundary between it and the run that follows it.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    len: usize,
    power: u32,
}

/// Sorts `v` (a list of element indices) stably by `lt`.
fn sort_indices<E>(
    v: &mut [usize],
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    let n = v.len();
    if n < 2 {
        return Ok(());
    }
    let min_run = compute_min_run(n);
    let mut tmp: Vec<usize> = Vec::new();
    let mut min_gallop = MIN_GALLOP;
    let mut runs: Vec<Run> = Vec::new();
    let mut lo = 0;
    while lo < n {
        // Find the natural run starting at `lo`; extend it to `min_run`.
        let mut len = count_run(&mut v[lo..], lt)?;
        if len < min_run {
            let forced = min_run.min(n - lo);
            binary_insertion_sort(&mut v[lo..lo + forced], len, lt)?;
            len = forced;
        }
        // Powersort: merge the pending runs whose boundary is deeper in the
        // (virtual) merge tree than the boundary before the new run.
        if let Some(top) = runs.last_mut() {
            let power = node_power(n, top.start, top.len, len);
            top.power = power;
            while runs.len() > 1 && runs[runs.len() - 2].power > power {
                merge_top(v, &mut runs, &mut tmp, &mut min_gallop, lt)?;
            }
            if let Some(top) = runs.last_mut() {
                top.power = power;
            }
        }
        runs.push(Run {
            start: lo,
            len,
            power: 0,
        });
        lo += len;
    }
    while runs.len() > 1 {
        merge_top(v, &mut runs, &mut tmp, &mut min_gallop, lt)?;
    }
    Ok(())
}

/// CPython's `merge_compute_minrun`: a value in 32..=64 (or `n` if smaller)
/// such that `n / minrun` is a power of two or slightly less.
fn compute_min_run(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// CPython's `powerloop`: the depth of the boundary between the runs
/// `[s1, s1 + n1)` and `[s1 + n1, s1 + n1 + n2)` in the merge tree of `n`.
fn node_power(n: usize, s1: usize, n1: usize, n2: usize) -> u32 {
    // Work in u128 so that 2 * n cannot overflow whatever usize is.
    let n = n as u128;
    let mut a = 2 * s1 as u128 + n1 as u128;
    let mut b = a + n1 as u128 + n2 as u128;
    let mut result = 0;
    // a < b always (n1 + n2 > 0) and their distance doubles each step, so
    // this ends after at most ~log2(n) + 2 steps; the bound is belt and braces.
    while result < 128 {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// Returns the length of the run at the start of `v` (at least 1 if `v` is
/// not empty). A strictly descending run is reversed in place, which keeps
/// the sort stable because it contains no equal elements.
fn count_run<E>(
    v: &mut [usize],
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = v.len();
    if n < 2 {
        return Ok(n);
    }
    let mut k = 2;
    if lt(v[1], v[0])? {
        while k < n && lt(v[k], v[k - 1])? {
            k += 1;
        }
        v[..k].reverse();
    } else {
        while k < n && !lt(v[k], v[k - 1])? {
            k += 1;
        }
    }
    Ok(k)
}

/// Sorts `v` given that `v[..sorted]` is already sorted, inserting each
/// following element after the last element not greater than it.
fn binary_insertion_sort<E>(
    v: &mut [usize],
    sorted: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    for i in sorted.max(1)..v.len() {
        let pivot = v[i];
        let (mut l, mut r) = (0, i);
        while l < r {
            let m = l + (r - l) / 2;
            if lt(pivot, v[m])? {
                r = m;
            } else {
                l = m + 1;
            }
        }
        v[l..=i].rotate_right(1);
    }
    Ok(())
}

/// Returns how many leading elements of `run` satisfy `before` (assumed to
/// be true on a prefix of `run` and false after it), probing at 0, 1, 3, 7,
/// ... then binary searching. The result is always in `0..=run.len()`.
fn gallop_from_left<E>(
    run: &[usize],
    mut before: impl FnMut(usize) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = run.len();
    let (mut lo, mut hi) = (0, n);
    let mut ofs = 1;
    while ofs <= n {
        let i = ofs - 1;
        if before(run[i])? {
            lo = i + 1;
            ofs *= 2;
        } else {
            hi = i;
            break;
        }
    }
    while lo < hi {
        let m = lo + (hi - lo) / 2;
        if before(run[m])? {
            lo = m + 1;
        } else {
            hi = m;
        }
    }
    Ok(lo)
}

/// Like [`gallop_from_left`] (returns the length of the prefix of `run`
/// satisfying `before`) but probes from the end: at n-1, n-2, n-4, ...
fn gallop_from_right<E>(
    run: &[usize],
    mut before: impl FnMut(usize) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = run.len();
    let (mut lo, mut hi) = (0, n);
    let mut ofs = 1;
    while ofs <= n {
        let i = n - ofs;
        if before(run[i])? {
            lo = i + 1;
            break;
        } else {
            hi = i;
            ofs *= 2;
        }
    }
    while lo < hi {
        let m = lo + (hi - lo) / 2;
        if before(run[m])? {
            lo = m + 1;
        } else {
            hi = m;
        }
    }
    Ok(lo)
}

/// Merges the two topmost pending runs (adjacent in `v`) into one.
fn merge_top<E>(
    v: &mut [usize],
    runs: &mut Vec<Run>,
    tmp: &mut Vec<usize>,
    min_gallop: &mut usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    let (Some(b), Some(a)) = (runs.pop(), runs.pop()) else {
        return Ok(());
    };
    runs.push(Run {
        start: a.start,
        len: a.len + b.len,
        power: b.power,
    });
    let (mut s, m, mut e) = (a.start, a.start + a.len, b.start + b.len);
    // Elements of the first run not greater than the second run's first
    // element are already in place, and so are elements of the second run
    // not less than the first run's last element.
    let key = v[m];
    s += gallop_from_left(&v[s..m], |x| Ok(!lt(key, x)?))?;
    if s == m {
        return Ok(());
    }
    let key = v[m - 1];
    e = m + gallop_from_right(&v[m..e], |x| lt(x, key))?;
    if e == m {
        return Ok(());
    }
    if m - s <= e - m {
        merge_lo(&mut v[s..e], m - s, tmp, min_gallop, lt)
    } else {
        merge_hi(&mut v[s..e], m - s, tmp, min_gallop, lt)
    }
}

/// Merges the sorted runs `v[..mid]` and `v[mid..]` front to back, with the
/// (shorter) first run copied to `tmp`.
///
/// Invariant: `d == i + (j - mid)`, so `d <= j` and writing `v[d]` never
/// overwrites an unmerged element of the second run.
fn merge_lo<E>(
    v: &mut [usize],
    mid: usize,
    tmp: &mut Vec<usize>,
    min_gallop: &mut usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    let n = v.len();
    tmp.clear();
    tmp.extend_from_slice(&v[..mid]);
    let n1 = mid;
    let (mut i, mut j, mut d) = (0, mid, 0);
    'outer: while i < n1 && j < n {
        let (mut c1, mut c2) = (0usize, 0usize);
        // One pair at a time, until one run wins `min_gallop` times in a row.
        loop {
            if lt(v[j], tmp[i])? {
                v[d] = v[j];
                d += 1;
                j += 1;
                c2 += 1;
                c1 = 0;
                if j == n {
                    break 'outer;
                }
                if c2 >= *min_gallop {
                    break;
                }
            } else {
                v[d] = tmp[i];
                d += 1;
                i += 1;
                c1 += 1;
                c2 = 0;
                if i == n1 {
                    break 'outer;
                }
                if c1 >= *min_gallop {
                    break;
                }
            }
        }
        // Galloping: move whole stretches while they stay long.
        *min_gallop += 1;
        loop {
            *min_gallop -= (*min_gallop > 1) as usize;
            let key = v[j];
            let k1 = gallop_from_left(&tmp[i..], |x| Ok(!lt(key, x)?))?;
            v[d..d + k1].copy_from_slice(&tmp[i..i + k1]);
            d += k1;
            i += k1;
            if i == n1 {
                break 'outer;
            }
            v[d] = v[j];
            d += 1;
            j += 1;
            if j == n {
                break 'outer;
            }
            let key = tmp[i];
            let k2 = gallop_from_left(&v[j..], |x| lt(x, key))?;
            v.copy_within(j..j + k2, d);
            d += k2;
            j += k2;
            if j == n {
                break 'outer;
            }
            v[d] = tmp[i];
            d += 1;
            i += 1;
            if i == n1 {
                break 'outer;
            }
            if k1 < MIN_GALLOP && k2 < MIN_GALLOP {
                break;
            }
        }
        *min_gallop = min_gallop.saturating_add(1);
    }
    // What is left of the first run goes to the gap before `j` (which is
    // exactly its size); what is left of the second is already in place.
    v[d..j].copy_from_slice(&tmp[i..]);
    Ok(())
}

/// Merges the sorted runs `v[..mid]` and `v[mid..]` back to front, with the
/// (shorter) second run copied to `tmp`.
///
/// Invariant: `d == i + j`, so `d > i` while `j > 0` and writing `v[d - 1]`
/// never overwrites an unmerged element of the first run.
fn merge_hi<E>(
    v: &mut [usize],
    mid: usize,
    tmp: &mut Vec<usize>,
    min_gallop: &mut usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    let n = v.len();
    tmp.clear();
    tmp.extend_from_slice(&v[mid..]);
    let (mut i, mut j, mut d) = (mid, n - mid, n);
    'outer: while i > 0 && j > 0 {
        let (mut c1, mut c2) = (0usize, 0usize);
        loop {
            if lt(tmp[j - 1], v[i - 1])? {
                d -= 1;
                v[d] = v[i - 1];
                i -= 1;
                c1 += 1;
                c2 = 0;
                if i == 0 {
                    break 'outer;
                }
                if c1 >= *min_gallop {
                    break;
                }
            } else {
                d -= 1;
                v[d] = tmp[j - 1];
                j -= 1;
                c2 += 1;
                c1 = 0;
                if j == 0 {
                    break 'outer;
                }
                if c2 >= *min_gallop {
                    break;
                }
            }
        }
        *min_gallop += 1;
        loop {
            *min_gallop -= (*min_gallop > 1) as usize;
            // Elements of the first run greater than the second's last.
            let key = tmp[j - 1];
            let p = gallop_from_right(&v[..i], |x| Ok(!lt(key, x)?))?;
            let k1 = i - p;
            v.copy_within(p..i, d - k1);
            d -= k1;
            i = p;
            if i == 0 {
                break 'outer;
            }
            d -= 1;
            v[d] = tmp[j - 1];
            j -= 1;
            if j == 0 {
                break 'outer;
            }
            // Elements of the second run not less than the first's last.
            let key = v[i - 1];
            let p = gallop_from_right(&tmp[..j], |x| lt(x, key))?;
            let k2 = j - p;
            v[d - k2..d].copy_from_slice(&tmp[p..j]);
            d -= k2;
            j = p;
            if j == 0 {
                break 'outer;
            }
            d -= 1;
            v[d] = v[i - 1];
            i -= 1;
            if i == 0 {
                break 'outer;
            }
            if k1 < MIN_GALLOP && k2 < MIN_GALLOP {
                break;
            }
        }
        *min_gallop = min_gallop.saturating_add(1);
    }
    // What is left of the second run fills the gap `v[i..d]` (exactly its
    // size); what is left of the first is already in place.
    v[i..d].copy_from_slice(&tmp[..j]);
    Ok(())
}
