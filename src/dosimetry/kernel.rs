//! The Y-90 β dose point kernel in soft tissue, and its voxel form.
//!
//! Loevinger's point-source function (R. Loevinger, "The dosimetry of beta sources in
//! tissue: the point-source function", Radiology 66:55–62, 1956; used in ICRU Report
//! 72, 2004) gives the dose around a point β source as a function of the scaled
//! distance x = ν ρ r:
//!
//!   J(x) ∝ x⁻² [c (1 − (x/c) e^(1 − x/c)) + x e^(1 − x)]   for x < c
//!   J(x) ∝ x⁻¹ e^(1 − x)                                   for x ≥ c
//!
//!   ν = 18.6 (E₀ − 0.036)^(−1.37) (2 − Ē/Ē*)  cm²/g   (E₀ the end-point energy, MeV)
//!   c = 1 for 1.5 ≤ E₀ < 3 MeV
//!
//! Its normalisation makes the energy deposited over all space the mean β energy per
//! decay: the energy within x, as a fraction, is G(x) / (3c² − (c² − 1) e) with G the
//! integral of x² J (closed forms below). The voxel kernel holds the fraction of a
//! decay's energy deposited in each voxel around a source at the centre of its own,
//! integrated over the voxel (docs/dosimetry.md "Dose map").

use std::f64::consts::{E, PI};

/// Y-90 β end-point energy [MeV] (2.28 MeV, docs/references.md).
pub const Y90_END_POINT_MEV: f64 = 2.28;
/// Y-90 mean β energy per decay [MeV].
pub const Y90_MEAN_BETA_MEV: f64 = 0.9267;
/// Energy fraction the default kernel extent holds.
pub const DEFAULT_KERNEL_ENERGY: f64 = 0.999;

/// A β point kernel: the fraction of a decay's energy deposited within a radius.
#[derive(Clone, Debug, PartialEq)]
pub enum PointKernel {
    Loevinger(Loevinger),
    /// A tabulated kernel (a Monte Carlo dose point kernel, for instance).
    Table(KernelTable),
}

/// A β point kernel of Loevinger's form in a medium of one density.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loevinger {
    /// ν ρ [1/m]: the inverse of the distance scale.
    pub nu_rho_per_m: f64,
    /// Loevinger's c (1 for Y-90).
    pub c: f64,
}

/// The fraction of a decay's energy within each radius, from a table; linear between
/// its rows (so dF/dV falls as 1/r² within a row), from (0, 0), flat beyond the last.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelTable {
    pub radius_m: Vec<f64>,
    pub within: Vec<f64>,
}

impl KernelTable {
    /// Reads CSV rows "radius [mm], fraction of the decay energy within it" (a header
    /// line and # comments allowed): radii increasing, fractions non-decreasing from 0,
    /// the last between 0.9 and 1 (the kernel keeps the energy it holds).
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let mut radius_m = vec![0.0];
        let mut within = vec![0.0];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let parsed: Option<Vec<f64>> = cells.iter().map(|c| c.parse().ok()).collect();
            let Some([r_mm, f]) = parsed.as_deref().and_then(|v| <[f64; 2]>::try_from(v).ok())
            else {
                if n == 0 {
                    continue; // the header
                }
                return Err(format!(
                    "line {}: {line:?} is not \"radius [mm], fraction\"",
                    n + 1
                ));
            };
            let (last_r, last_f) = (*radius_m.last().unwrap(), *within.last().unwrap());
            if !(r_mm * 1e-3 > last_r && f >= last_f && f.is_finite()) {
                return Err(format!(
                    "line {}: radii must increase from 0 and fractions never fall (row {r_mm} mm, {f})",
                    n + 1
                ));
            }
            radius_m.push(r_mm * 1e-3);
            within.push(f);
        }
        let last = *within.last().unwrap();
        if radius_m.len() < 3 || !(0.9..=1.0 + 1e-9).contains(&last) {
            return Err(format!(
                "{} rows ending at {last}: give at least 2 rows whose last fraction is 0.9 to 1",
                radius_m.len() - 1
            ));
        }
        Ok(KernelTable { radius_m, within })
    }

    /// The row interval holding `r_m` (clamped to the table).
    fn segment(&self, r_m: f64) -> usize {
        let k = self.radius_m.partition_point(|&r| r <= r_m);
        k.clamp(1, self.radius_m.len() - 1)
    }

    fn energy_within(&self, r_m: f64) -> f64 {
        if r_m >= *self.radius_m.last().unwrap() {
            return *self.within.last().unwrap();
        }
        let k = self.segment(r_m);
        let (r0, r1) = (self.radius_m[k - 1], self.radius_m[k]);
        let (f0, f1) = (self.within[k - 1], self.within[k]);
        f0 + (f1 - f0) * (r_m.max(0.0) - r0) / (r1 - r0)
    }

    fn energy_density(&self, r_m: f64) -> f64 {
        if r_m >= *self.radius_m.last().unwrap() {
            return 0.0;
        }
        let k = self.segment(r_m);
        let slope =
            (self.within[k] - self.within[k - 1]) / (self.radius_m[k] - self.radius_m[k - 1]);
        slope / (4.0 * PI * r_m * r_m)
    }
}

impl PointKernel {
    /// Y-90 in tissue of `density_kg_m3` by Loevinger's function.
    pub fn y90(density_kg_m3: f64) -> Self {
        PointKernel::Loevinger(Loevinger::y90(density_kg_m3))
    }

    /// Fraction of a decay's energy deposited within `r_m` of the source.
    pub fn energy_within(&self, r_m: f64) -> f64 {
        match self {
            PointKernel::Loevinger(k) => k.energy_within(r_m),
            PointKernel::Table(t) => t.energy_within(r_m),
        }
    }

    /// Fraction of a decay's energy deposited per unit volume at `r_m` [1/m³].
    pub fn energy_density(&self, r_m: f64) -> f64 {
        match self {
            PointKernel::Loevinger(k) => k.energy_density(r_m),
            PointKernel::Table(t) => t.energy_density(r_m),
        }
    }

    /// The radius holding `fraction` of the energy, or a table's last radius when it
    /// holds less (bisection on the monotone F).
    pub fn radius_holding(&self, fraction: f64) -> f64 {
        let mut hi = match self {
            PointKernel::Loevinger(k) => 1.0 / k.nu_rho_per_m,
            PointKernel::Table(t) => {
                let last = *t.radius_m.last().unwrap();
                if t.energy_within(last) < fraction {
                    return last;
                }
                last
            }
        };
        while self.energy_within(hi) < fraction {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.energy_within(mid) < fraction {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }

    /// The voxel kernel for voxels of `voxel_m`, out to `radius_m` (a cube of
    /// half-width ceil(radius / voxel) voxels).
    pub fn voxelised(&self, voxel_m: f64, radius_m: f64) -> VoxelKernel {
        let half = (radius_m / voxel_m).ceil().max(1.0) as usize;
        let side = 2 * half + 1;
        let mut data = vec![0.0; side * side * side];
        // The fraction depends only on the sorted |offsets|: integrate each such
        // voxel once and copy it to its 48 mirror images.
        for a in 0..=half {
            for b in a..=half {
                for c in b..=half {
                    let centre = [a as f64 * voxel_m, b as f64 * voxel_m, c as f64 * voxel_m];
                    let value = self.cube_fraction(centre, voxel_m, SOURCE_DEPTH);
                    for [i, j, k] in mirror_images([a, b, c]) {
                        let idx = |o: i64| (o + half as i64) as usize;
                        data[idx(i) + side * (idx(j) + side * idx(k))] = value;
                    }
                }
            }
        }
        VoxelKernel {
            half,
            voxel_m,
            data,
        }
    }

    /// Fraction of the energy deposited in a cube of `side_m` centred at `centre_m`
    /// (source at the origin). The cube holding the source is split in 3³ and its
    /// middle part split again `depth` times, the innermost taken as the sphere of its
    /// volume; other cubes by the midpoint rule, finer near the source.
    fn cube_fraction(&self, centre_m: [f64; 3], side_m: f64, depth: u32) -> f64 {
        let holds_source = centre_m.iter().all(|&c| c.abs() < 1e-9 * side_m);
        if holds_source {
            if depth == 0 {
                let r_equal_volume = side_m * (3.0 / (4.0 * PI)).cbrt();
                return self.energy_within(r_equal_volume);
            }
            let sub = side_m / 3.0;
            let mut sum = 0.0;
            for i in -1..=1 {
                for j in -1..=1 {
                    for k in -1..=1 {
                        let c = [i as f64 * sub, j as f64 * sub, k as f64 * sub];
                        sum += self.cube_fraction(c, sub, depth - 1);
                    }
                }
            }
            return sum;
        }
        let distance = centre_m.iter().map(|c| c * c).sum::<f64>().sqrt();
        let points = if distance < 2.5 * side_m { 9 } else { 3 };
        let step = side_m / points as f64;
        let mut sum = 0.0;
        for i in 0..points {
            for j in 0..points {
                for k in 0..points {
                    let at = |n: usize, c: f64| c - 0.5 * side_m + (n as f64 + 0.5) * step;
                    let p = [at(i, centre_m[0]), at(j, centre_m[1]), at(k, centre_m[2])];
                    let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
                    sum += self.energy_density(r);
                }
            }
        }
        sum * step * step * step
    }
}

impl Loevinger {
    /// Y-90 in tissue of `density_kg_m3`, taking Ē/Ē* = 1 (the spectrum's mean energy
    /// over an allowed spectrum's of the same end point).
    pub fn y90(density_kg_m3: f64) -> Self {
        let nu_cm2_g = 18.6 * (Y90_END_POINT_MEV - 0.036).powf(-1.37);
        // ν [cm²/g] · ρ [g/cm³] is per cm; ×100 per m.
        Loevinger {
            nu_rho_per_m: nu_cm2_g * (density_kg_m3 / 1000.0) * 100.0,
            c: 1.0,
        }
    }

    fn norm(&self) -> f64 {
        3.0 * self.c * self.c - (self.c * self.c - 1.0) * E
    }

    /// x² J(x) up to the normalisation: the energy per unit of x.
    fn shell_weight(&self, x: f64) -> f64 {
        let c = self.c;
        let tail = x * (1.0 - x).exp();
        if x < c {
            c - x * (1.0 - x / c).exp() + tail
        } else {
            tail
        }
    }

    /// The integral of x² J from 0 to x (the closed form of the two pieces).
    fn shell_integral(&self, x: f64) -> f64 {
        let c = self.c;
        let inner = |x: f64| {
            c * x - c * c * (E - (1.0 + x / c) * (1.0 - x / c).exp()) + E
                - (1.0 + x) * (1.0 - x).exp()
        };
        if x <= c {
            inner(x)
        } else {
            inner(c) + (1.0 + c) * (1.0 - c).exp() - (1.0 + x) * (1.0 - x).exp()
        }
    }

    /// Fraction of a decay's energy deposited within `r_m` of the source.
    pub fn energy_within(&self, r_m: f64) -> f64 {
        self.shell_integral(self.nu_rho_per_m * r_m.max(0.0)) / self.norm()
    }

    /// Fraction of a decay's energy deposited per unit volume at `r_m` [1/m³]:
    /// dF/dV = (dF/dx)(dx/dr) / (4π r²).
    pub fn energy_density(&self, r_m: f64) -> f64 {
        let x = self.nu_rho_per_m * r_m;
        self.shell_weight(x) / self.norm() * self.nu_rho_per_m / (4.0 * PI * r_m * r_m)
    }
}

/// Splits of the source's own voxel (each a third of the last).
const SOURCE_DEPTH: u32 = 4;

/// The signed offsets with the magnitudes of `sorted` in any order and sign.
fn mirror_images(sorted: [usize; 3]) -> Vec<[i64; 3]> {
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut out = Vec::with_capacity(48);
    for order in ORDERS {
        for signs in 0..8 {
            let v: [i64; 3] = std::array::from_fn(|a| {
                let m = sorted[order[a]] as i64;
                if signs >> a & 1 == 1 {
                    -m
                } else {
                    m
                }
            });
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// Fraction of a decay's energy deposited in each voxel around a source at the
/// centre of voxel (half, half, half); x fastest.
#[derive(Clone, Debug)]
pub struct VoxelKernel {
    pub half: usize,
    pub voxel_m: f64,
    pub data: Vec<f64>,
}

impl VoxelKernel {
    pub fn side(&self) -> usize {
        2 * self.half + 1
    }

    /// The fraction at offset (i, j, k) voxels from the source.
    pub fn at(&self, offset: [i64; 3]) -> f64 {
        let h = self.half as i64;
        if offset.iter().any(|o| o.abs() > h) {
            return 0.0;
        }
        let s = self.side();
        let idx = |o: i64| (o + h) as usize;
        self.data[idx(offset[0]) + s * (idx(offset[1]) + s * idx(offset[2]))]
    }

    /// Fraction of the energy the kernel holds (1 less what lies beyond it).
    pub fn total(&self) -> f64 {
        self.data.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WATER: f64 = 1000.0;

    #[test]
    fn the_kernel_integrates_to_the_whole_decay_energy() {
        // 4π r² dF/dV integrated by Simpson's rule out to 40 distance scales is 1
        // (the mean β energy per decay, as a fraction), and agrees with the closed
        // form of F at every radius.
        let k = PointKernel::y90(WATER);
        let scale = 1.0 / Loevinger::y90(WATER).nu_rho_per_m;
        let n = 200_000;
        let r_max = 40.0 * scale;
        let h = r_max / n as f64;
        // At r → 0, 4π r² dF/dV tends to ν ρ c / (3c² − (c² − 1) e).
        let f = |r: f64| {
            let r = r.max(1e-9 * scale);
            4.0 * PI * r * r * k.energy_density(r)
        };
        let mut integral = 0.0;
        for i in 0..n {
            let (a, b) = (i as f64 * h, (i + 1) as f64 * h);
            integral += h / 6.0 * (f(a) + 4.0 * f(0.5 * (a + b)) + f(b));
            if (i + 1) % 20_000 == 0 {
                let closed = k.energy_within(b);
                assert!(
                    (integral - closed).abs() < 1e-6,
                    "F({b}) {integral} vs {closed}"
                );
            }
        }
        assert!((integral - 1.0).abs() < 1e-6, "{integral}");
        // Y-90 in water: 1/ν = 1.63 mm; 90% of the energy within 6.1 mm.
        assert!((scale * 1e3 - 1.627).abs() < 0.01, "{}", scale * 1e3);
        let r90 = k.radius_holding(0.9);
        assert!((r90 * 1e3 - 6.13).abs() < 0.05, "{}", r90 * 1e3);
    }

    #[test]
    fn the_voxel_kernel_holds_the_energy_its_cube_encloses() {
        // 0.5 mm voxels out to the 99.9% radius: the voxel sums give the energy
        // within the cube, between F(half-width) and F(half-width · √3), within 1%
        // of the whole decay's.
        let k = PointKernel::y90(WATER);
        let voxel = 0.5e-3;
        let vk = k.voxelised(voxel, k.radius_holding(DEFAULT_KERNEL_ENERGY));
        let total = vk.total();
        let edge = (vk.half as f64 + 0.5) * voxel;
        assert!(
            total > k.energy_within(edge) && total < k.energy_within(edge * 3f64.sqrt()),
            "{total}"
        );
        assert!((total - 1.0).abs() < 0.01, "{total}");
        eprintln!(
            "voxel kernel: half-width {} voxels, total {total:.5}",
            vk.half
        );
        // The source voxel alone: the 0.31 mm equal-volume sphere holds 6.3%.
        let own = vk.at([0, 0, 0]);
        let sphere = k.energy_within(voxel * (3.0 / (4.0 * PI)).cbrt());
        eprintln!("source voxel {own:.5}, equal-volume sphere {sphere:.5}");
        assert!((own / sphere - 1.0).abs() < 0.05, "{own} vs {sphere}");
        // Symmetric under mirror and exchange of axes.
        assert_eq!(vk.at([1, 2, 3]), vk.at([-3, 1, -2]));
    }

    #[test]
    fn a_tabulated_kernel_gives_the_voxel_kernel_of_the_function_it_tabulates() {
        // Loevinger's F at 400 radii out to 20 mm as a CSV table: the voxel kernel of
        // 0.5 mm voxels made from it matches the function's within 1% at the source
        // voxel, its neighbours and 5 mm out, and in total.
        let f = PointKernel::y90(WATER);
        let mut csv = String::from("radius [mm], fraction within\n# Loevinger, Y-90 in water\n");
        for k in 1..=400 {
            let r_mm = 0.05 * k as f64;
            csv += &format!("{r_mm}, {}\n", f.energy_within(r_mm * 1e-3));
        }
        let table = PointKernel::Table(KernelTable::from_csv(&csv).unwrap());
        let reach = f.radius_holding(DEFAULT_KERNEL_ENERGY);
        assert!((table.radius_holding(DEFAULT_KERNEL_ENERGY) / reach - 1.0).abs() < 0.01);
        let (a, b) = (f.voxelised(0.5e-3, reach), table.voxelised(0.5e-3, reach));
        for offset in [
            [0, 0, 0],
            [1, 0, 0],
            [1, 1, 0],
            [1, 1, 1],
            [10, 0, 0],
            [6, 6, 4],
        ] {
            let (x, y) = (a.at(offset), b.at(offset));
            assert!((y / x - 1.0).abs() < 0.01, "{offset:?}: {y} vs {x}");
        }
        assert!((b.total() / a.total() - 1.0).abs() < 0.01);
        // Refused: fractions that fall, radii that do not increase, a last fraction
        // over 1, a row that is not two numbers, too few rows.
        for bad in [
            "1, 0.5\n2, 0.4\n",
            "1, 0.5\n1, 0.95\n",
            "1, 0.5\n2, 1.2\n",
            "r, F\n1, 0.5\nx, 0.9\n",
            "1, 0.95\n",
        ] {
            assert!(KernelTable::from_csv(bad).is_err(), "{bad:?}");
        }
    }
}
