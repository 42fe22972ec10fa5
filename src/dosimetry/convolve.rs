//! Linear convolution of a 3D grid with a voxel kernel by FFT (rustfft): the grid and
//! the kernel are zero-padded so nothing wraps around into the grid, multiplied in
//! Fourier space, and the grid's own extent is kept.

use super::kernel::VoxelKernel;
use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// The smallest size ≥ n with no prime factor above 5 (fast for the FFT).
fn fast_size(n: usize) -> usize {
    (n.max(1)..)
        .find(|&m| {
            let mut r = m;
            for p in [2, 3, 5] {
                while r % p == 0 {
                    r /= p;
                }
            }
            r == 1
        })
        .expect("a 5-smooth number follows every n")
}

/// A complex grid of `dims` (x fastest) transformed along each axis in place.
struct Padded {
    dims: [usize; 3],
    data: Vec<Complex<f64>>,
}

impl Padded {
    fn transform(&mut self, planner: &mut FftPlanner<f64>, inverse: bool) {
        let [nx, ny, nz] = self.dims;
        let plan = |n: usize, p: &mut FftPlanner<f64>| {
            if inverse {
                p.plan_fft_inverse(n)
            } else {
                p.plan_fft_forward(n)
            }
        };
        // x: contiguous rows.
        let fx = plan(nx, planner);
        self.data.par_chunks_mut(nx).for_each(|row| fx.process(row));
        // y: within each z plane, gathered column by column.
        let fy = plan(ny, planner);
        self.data.par_chunks_mut(nx * ny).for_each(|plane| {
            let mut line = vec![Complex::default(); ny];
            for i in 0..nx {
                for j in 0..ny {
                    line[j] = plane[i + nx * j];
                }
                fy.process(&mut line);
                for j in 0..ny {
                    plane[i + nx * j] = line[j];
                }
            }
        });
        // z: lines across planes, one x-y position at a time.
        let fz = plan(nz, planner);
        let plane = nx * ny;
        let columns: Vec<Vec<Complex<f64>>> = (0..plane)
            .into_par_iter()
            .map(|p| {
                let mut line: Vec<Complex<f64>> =
                    (0..nz).map(|k| self.data[p + plane * k]).collect();
                fz.process(&mut line);
                line
            })
            .collect();
        for (p, line) in columns.into_iter().enumerate() {
            for (k, v) in line.into_iter().enumerate() {
                self.data[p + plane * k] = v;
            }
        }
    }
}

/// `grid` (of `dims`, x fastest) convolved with `kernel`: out[v] = Σ_s grid[s] K[v − s],
/// over the grid's own extent.
pub fn convolve(grid: &[f64], dims: [usize; 3], kernel: &VoxelKernel) -> Vec<f64> {
    let h = kernel.half;
    let padded: [usize; 3] = std::array::from_fn(|a| fast_size(dims[a] + h));
    let index = |i: usize, j: usize, k: usize| i + padded[0] * (j + padded[1] * k);
    let mut planner = FftPlanner::new();
    let mut source = Padded {
        dims: padded,
        data: vec![Complex::default(); padded.iter().product()],
    };
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                source.data[index(i, j, k)].re = grid[i + dims[0] * (j + dims[1] * k)];
            }
        }
    }
    // The kernel centred on index 0, negative offsets wrapped to the far end; the
    // padding of at least `half` keeps a wrapped tail off the grid's extent.
    let mut spread = Padded {
        dims: padded,
        data: vec![Complex::default(); padded.iter().product()],
    };
    let wrap = |o: i64, n: usize| o.rem_euclid(n as i64) as usize;
    let hh = h as i64;
    for k in -hh..=hh {
        for j in -hh..=hh {
            for i in -hh..=hh {
                let v = kernel.at([i, j, k]);
                if v != 0.0 {
                    let at = index(wrap(i, padded[0]), wrap(j, padded[1]), wrap(k, padded[2]));
                    spread.data[at].re += v;
                }
            }
        }
    }
    source.transform(&mut planner, false);
    spread.transform(&mut planner, false);
    let scale = 1.0 / source.data.len() as f64;
    source
        .data
        .par_iter_mut()
        .zip(&spread.data)
        .for_each(|(a, b)| *a = *a * *b * scale);
    source.transform(&mut planner, true);
    let mut out = vec![0.0; dims.iter().product()];
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                out[i + dims[0] * (j + dims[1] * k)] = source.data[index(i, j, k)].re;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_convolution_equals_the_direct_sum() {
        // An uneven kernel and scattered sources on a 7 x 5 x 6 grid: the FFT result
        // equals the direct sum Σ_s g[s] K[v − s] to 1e-12 of the largest value,
        // with nothing wrapped in from the far side.
        let half = 2;
        let side = 2 * half + 1;
        let data: Vec<f64> = (0..side * side * side)
            .map(|n| 1.0 + (n as f64 * 0.37).sin())
            .collect();
        let kernel = VoxelKernel {
            half,
            voxel_m: 1.0,
            data,
        };
        let dims = [7, 5, 6];
        let mut grid = vec![0.0; 7 * 5 * 6];
        grid[0] = 2.0;
        grid[3 + 7 * (4 + 5 * 5)] = -1.5;
        grid[6 + 7 * (2 + 5)] = 0.25; // (6, 2, 1)
        let got = convolve(&grid, dims, &kernel);
        let mut largest = 0.0f64;
        for vk in 0..6i64 {
            for vj in 0..5i64 {
                for vi in 0..7i64 {
                    let mut direct = 0.0;
                    for sk in 0..6i64 {
                        for sj in 0..5i64 {
                            for si in 0..7i64 {
                                let g = grid[(si + 7 * (sj + 5 * sk)) as usize];
                                direct += g * kernel.at([vi - si, vj - sj, vk - sk]);
                            }
                        }
                    }
                    let v = (vi + 7 * (vj + 5 * vk)) as usize;
                    assert!(
                        (got[v] - direct).abs() < 1e-12 * 4.0,
                        "{v}: {} vs {direct}",
                        got[v]
                    );
                    largest = largest.max(direct.abs());
                }
            }
        }
        assert!(largest > 1.0);
    }

    #[test]
    fn fast_sizes_have_only_small_factors() {
        assert_eq!(fast_size(7), 8);
        assert_eq!(fast_size(127), 128);
        assert_eq!(fast_size(131), 135);
        assert_eq!(fast_size(1), 1);
    }
}
