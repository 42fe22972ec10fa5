//! Analytic vessel shapes in any orientation, as unions of tubes along polylines and
//! spheres. Open tube ends are flat and become openings; closed ends are rounded.

use super::caps::Cap;
use super::vec3::{add, dot, norm, normalize, perpendicular, rotate, scale, sub};
use super::voxels::Role;

/// A tube along a polyline with a radius at each point. A point is inside when its
/// distance to the nearest point of the centreline is below the radius there (linear
/// between points), so the radius profile is followed exactly even where it changes
/// fast; a point beyond an open end (past the end's plane) is outside, a closed end
/// is rounded by a sphere of the end radius.
#[derive(Clone, Debug)]
pub struct TubePath {
    pub points: Vec<[f64; 3]>,
    pub radii: Vec<f64>,
    pub open_start: bool,
    pub open_end: bool,
}

impl TubePath {
    /// A straight tube of constant radius.
    pub fn straight(
        a: [f64; 3],
        b: [f64; 3],
        radius: f64,
        open_start: bool,
        open_end: bool,
    ) -> Self {
        TubePath {
            points: vec![a, b],
            radii: vec![radius, radius],
            open_start,
            open_end,
        }
    }

    pub fn contains(&self, p: [f64; 3]) -> bool {
        let n = self.points.len();
        let mut best = (f64::INFINITY, 0.0, 0usize, 0.0);
        for k in 0..n - 1 {
            let (a, b) = (self.points[k], self.points[k + 1]);
            let axis = sub(b, a);
            let t = dot(sub(p, a), axis) / dot(axis, axis).max(1e-300);
            let tc = t.clamp(0.0, 1.0);
            let d2 = dot(
                sub(p, add(a, scale(axis, tc))),
                sub(p, add(a, scale(axis, tc))),
            );
            if d2 < best.0 {
                let r = self.radii[k] + tc * (self.radii[k + 1] - self.radii[k]);
                best = (d2, r, k, t);
            }
        }
        let (d2, r, k, t) = best;
        if (k == 0 && t < 0.0 && self.open_start) || (k == n - 2 && t > 1.0 && self.open_end) {
            return false;
        }
        d2 < r * r
    }

    /// Axis-aligned bounds [m].
    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        let r = self.radii.iter().copied().fold(0.0, f64::max);
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for p in &self.points {
            for i in 0..3 {
                lo[i] = lo[i].min(p[i] - r);
                hi[i] = hi[i].max(p[i] + r);
            }
        }
        (lo, hi)
    }
}

#[derive(Clone, Debug)]
pub struct Sphere {
    pub centre: [f64; 3],
    pub radius: f64,
}

/// A union of tubes and spheres with its open ends.
#[derive(Clone, Debug, Default)]
pub struct Assembly {
    pub tubes: Vec<TubePath>,
    pub spheres: Vec<Sphere>,
    pub caps: Vec<Cap>,
}

impl Assembly {
    pub fn contains(&self, p: [f64; 3]) -> bool {
        self.tubes.iter().any(|t| t.contains(p))
            || self
                .spheres
                .iter()
                .any(|s| norm(sub(p, s.centre)) < s.radius)
    }

    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        let boxes = self
            .tubes
            .iter()
            .map(TubePath::bounds)
            .chain(self.spheres.iter().map(|s| {
                (
                    s.centre.map(|c| c - s.radius),
                    s.centre.map(|c| c + s.radius),
                )
            }));
        for (l, h) in boxes {
            for i in 0..3 {
                lo[i] = lo[i].min(l[i]);
                hi[i] = hi[i].max(h[i]);
            }
        }
        (lo, hi)
    }

    pub fn merge(&mut self, other: Assembly) {
        self.tubes.extend(other.tubes);
        self.spheres.extend(other.spheres);
        self.caps.extend(other.caps);
    }

    /// A polyline tube through `points` with radius `radii` at each point, open at
    /// both ends: inlet cap at the first point (if `inlet`), outlet at the last.
    pub fn tube(
        points: &[[f64; 3]],
        radii: &[f64],
        inlet: Option<&str>,
        outlet: Option<&str>,
    ) -> Assembly {
        let n = points.len();
        let mut a = Assembly::default();
        a.tubes.push(TubePath {
            points: points.to_vec(),
            radii: radii.to_vec(),
            open_start: inlet.is_some(),
            open_end: outlet.is_some(),
        });
        if let Some(name) = inlet {
            let dir = normalize(sub(points[0], points[1]));
            a.caps.push(Cap::circle(
                name,
                Some(Role::Inlet),
                points[0],
                dir,
                radii[0],
            ));
        }
        if let Some(name) = outlet {
            let dir = normalize(sub(points[n - 1], points[n - 2]));
            a.caps.push(Cap::circle(
                name,
                Some(Role::Outlet),
                points[n - 1],
                dir,
                radii[n - 1],
            ));
        }
        a
    }
}

/// Catmull–Rom subdivision of a polyline (and linear interpolation of its radii), so
/// that a curved tube through few points bends smoothly.
pub fn smooth_polyline(
    points: &[[f64; 3]],
    radii: &[f64],
    per_segment: usize,
) -> (Vec<[f64; 3]>, Vec<f64>) {
    let n = points.len();
    if n < 3 {
        return (points.to_vec(), radii.to_vec());
    }
    let at = |i: isize| points[i.clamp(0, n as isize - 1) as usize];
    let mut out_p = Vec::new();
    let mut out_r = Vec::new();
    for k in 0..n - 1 {
        let (p0, p1, p2, p3) = (
            at(k as isize - 1),
            at(k as isize),
            at(k as isize + 1),
            at(k as isize + 2),
        );
        for s in 0..per_segment {
            let t = s as f64 / per_segment as f64;
            let (t2, t3) = (t * t, t * t * t);
            // Uniform Catmull–Rom basis (Catmull & Rom 1974).
            let p = std::array::from_fn(|i| {
                0.5 * (2.0 * p1[i]
                    + (p2[i] - p0[i]) * t
                    + (2.0 * p0[i] - 5.0 * p1[i] + 4.0 * p2[i] - p3[i]) * t2
                    + (3.0 * p1[i] - p0[i] - 3.0 * p2[i] + p3[i]) * t3)
            });
            out_p.push(p);
            out_r.push(radii[k] + t * (radii[k + 1] - radii[k]));
        }
    }
    out_p.push(points[n - 1]);
    out_r.push(radii[n - 1]);
    (out_p, out_r)
}

/// A straight vessel with a cosine-shaped stenosis of `area_reduction` (0..1) over
/// `stenosis_length`, centred at fraction `position` of the length (Young & Tsai 1973
/// style axisymmetric constriction).
pub fn stenosis(
    radius: f64,
    length: f64,
    axis: [f64; 3],
    area_reduction: f64,
    stenosis_length: f64,
    position: f64,
) -> Assembly {
    let axis = normalize(axis);
    let steps = 64;
    let radius_reduction = 1.0 - (1.0 - area_reduction).sqrt();
    let centre = position * length;
    let mut points = Vec::new();
    let mut radii = Vec::new();
    for k in 0..=steps {
        let s = length * k as f64 / steps as f64;
        let x = (s - centre) / stenosis_length;
        let r = if x.abs() < 0.5 {
            radius * (1.0 - 0.5 * radius_reduction * (1.0 + (2.0 * std::f64::consts::PI * x).cos()))
        } else {
            radius
        };
        points.push(scale(axis, s));
        radii.push(r);
    }
    Assembly::tube(&points, &radii, Some("inlet"), Some("outlet"))
}

/// A straight vessel with a saccular aneurysm: a sphere of `sac_radius` beside the
/// vessel at fraction `position` of its length, joined by a neck of `neck_radius`.
pub fn aneurysm(
    radius: f64,
    length: f64,
    axis: [f64; 3],
    sac_radius: f64,
    neck_radius: f64,
    position: f64,
) -> Assembly {
    let axis = normalize(axis);
    let side = perpendicular(axis);
    let mut a = Assembly::tube(
        &[[0.0; 3], scale(axis, length)],
        &[radius, radius],
        Some("inlet"),
        Some("outlet"),
    );
    let base = scale(axis, position * length);
    // The sac's centre sits so that the sphere overlaps the wall by 20% of its radius.
    let centre = add(base, scale(side, radius + 0.8 * sac_radius));
    a.tubes
        .push(TubePath::straight(base, centre, neck_radius, false, false));
    a.spheres.push(Sphere {
        centre,
        radius: sac_radius,
    });
    a
}

/// Radius of each of two equal daughters by Murray's law, r₀^γ = 2 r^γ (Murray 1926).
pub fn murray_daughter_radius(parent: f64, exponent: f64) -> f64 {
    parent / 2f64.powf(1.0 / exponent)
}

/// A Y-bifurcation: parent along +z from the origin, two daughters in the x-z plane at
/// `angles_rad` from the parent axis (positive towards +x and −x).
pub fn bifurcation(
    parent_radius: f64,
    parent_length: f64,
    daughter_radii: [f64; 2],
    daughter_length: f64,
    angles_rad: [f64; 2],
) -> Assembly {
    let tip = [0.0, 0.0, parent_length];
    let mut a = Assembly::default();
    a.tubes.push(TubePath::straight(
        [0.0; 3],
        tip,
        parent_radius,
        true,
        false,
    ));
    a.caps.push(Cap::circle(
        "inlet",
        Some(Role::Inlet),
        [0.0; 3],
        [0.0, 0.0, -1.0],
        parent_radius,
    ));
    for (k, (&r, &angle)) in daughter_radii.iter().zip(&angles_rad).enumerate() {
        let sign = if k == 0 { 1.0 } else { -1.0 };
        let dir = [sign * angle.sin(), 0.0, angle.cos()];
        let end = add(tip, scale(dir, daughter_length));
        a.tubes.push(TubePath::straight(tip, end, r, false, true));
        a.caps.push(Cap::circle(
            &format!("outlet{}", k + 1),
            Some(Role::Outlet),
            end,
            dir,
            r,
        ));
    }
    a
}

/// Parameters of a generated arterial tree.
#[derive(Clone, Debug)]
pub struct TreeSpec {
    pub generations: u32,
    pub root_radius: f64,
    pub root_length: f64,
    pub murray_exponent: f64,
    pub angle_rad: f64,
    /// Branch length over branch radius for the daughters.
    pub length_to_radius: f64,
    pub seed: u64,
}

/// A symmetric bifurcating tree (hepatic- or renal-like territory): each branch splits
/// into two daughters with radii by Murray's law, at ±angle from the parent axis, the
/// bifurcation plane turned by a seeded random angle at each generation so the tree
/// fills space.
pub fn tree(spec: &TreeSpec) -> Assembly {
    let mut a = Assembly::default();
    let mut rng = spec.seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut random = move || {
        // xorshift64* (Vigna 2016)
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    a.caps.push(Cap::circle(
        "inlet",
        Some(Role::Inlet),
        [0.0; 3],
        [0.0, 0.0, -1.0],
        spec.root_radius,
    ));
    // (start, direction, radius, length, generation, normal of the last split plane)
    let mut stack = vec![(
        [0.0; 3],
        [0.0, 0.0, 1.0],
        spec.root_radius,
        spec.root_length,
        0u32,
        [1.0, 0.0, 0.0],
    )];
    let mut outlets = 0;
    while let Some((start, dir, r, len, generation, plane_normal)) = stack.pop() {
        let end = add(start, scale(dir, len));
        let leaf = generation == spec.generations;
        a.tubes
            .push(TubePath::straight(start, end, r, generation == 0, leaf));
        if leaf {
            outlets += 1;
            a.caps.push(Cap::circle(
                &format!("outlet{outlets}"),
                Some(Role::Outlet),
                end,
                dir,
                r,
            ));
            continue;
        }
        let rd = murray_daughter_radius(r, spec.murray_exponent);
        let twist = (0.25 + 0.5 * random()) * std::f64::consts::PI;
        let normal = rotate(plane_normal, dir, twist);
        for sign in [1.0, -1.0] {
            let d = normalize(rotate(dir, normal, sign * spec.angle_rad));
            stack.push((
                end,
                d,
                rd,
                spec.length_to_radius * rd,
                generation + 1,
                normal,
            ));
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tube_follows_its_radius_profile_and_ends() {
        let t = TubePath {
            points: vec![[0.0; 3], [0.0, 0.0, 0.5], [0.0, 0.0, 1.0]],
            radii: vec![0.2, 0.05, 0.2],
            open_start: true,
            open_end: false,
        };
        assert!(t.contains([0.15, 0.0, 0.1]));
        // A steep narrowing is followed, not bulged over by the wider neighbours.
        assert!(!t.contains([0.06, 0.0, 0.5]));
        assert!(t.contains([0.04, 0.0, 0.5]));
        assert!(!t.contains([0.0, 0.0, -0.01]));
        assert!(t.contains([0.0, 0.0, 1.05]));
    }

    #[test]
    fn murray_radii_conserve_cubed_radius() {
        let r = murray_daughter_radius(1.0, 3.0);
        assert!((2.0 * r.powi(3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tree_has_two_to_the_generations_outlets() {
        let t = tree(&TreeSpec {
            generations: 3,
            root_radius: 1.0,
            root_length: 5.0,
            murray_exponent: 3.0,
            angle_rad: 0.6,
            length_to_radius: 6.0,
            seed: 1,
        });
        assert_eq!(t.caps.len(), 1 + 8);
        assert_eq!(t.tubes.len(), 15);
    }

    #[test]
    fn smoothing_passes_through_the_points() {
        let pts = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 1.0, 0.0]];
        let (p, r) = smooth_polyline(&pts, &[1.0, 2.0, 3.0], 4);
        assert_eq!(p.len(), 9);
        assert_eq!(p[4], pts[1]);
        assert_eq!(r[4], 2.0);
        assert_eq!(*p.last().unwrap(), pts[2]);
    }
}
