//! CPU twin of shaders/particles/advance.wgsl: one step of every particle (drag with
//! the Schiller–Naumann factor integrated exactly over the step, gravity, magnets,
//! the optional fluid-acceleration and lift forces, inelastic wall contact and
//! sticking, lodging by sieving, plugs and bridging, exits and capture at outlets,
//! and the volume a lodged particle deposits). Same formulas in the same order, in
//! f32; the GPU's exp/pow differ from Rust's by a few ulps, so positions agree to
//! rounding. Particles run one after the other: lodging decisions read the cell
//! geometry snapshot, not the solid counters being added to, so the order does not
//! matter (as on the GPU).

use crate::lbm::lattice::flags;
use crate::lbm::GridDims;
use crate::particles::fields::{decode_normal, NORMAL_OFFSET};
use crate::particles::kernel_params::{
    ParticleParams, BRIDGING_CHANCE, CONVERGING_SLOPE, NECK_BASELINE, NECK_NARROWING,
};
use crate::particles::plan::state;
use glam::{IVec3, Mat3, Vec3};

/// Chords of a section are marched this far each way [cells] (the kernel's
/// SECTION_REACH).
const SECTION_REACH: f32 = 12.0;
/// The open point of a blocked section is looked for this far around [cells].
const OPEN_POINT_REACH: i32 = 6;
/// Corner planes more than this below the interpolated distance are not used
/// (the kernel's PLANE_DISAGREEMENT) [cells].
const PLANE_DISAGREEMENT: f32 = 0.5;

/// What the kernel reads besides the particles (grid order, dense).
pub struct AdvanceInputs<'a> {
    pub dims: GridDims,
    /// One flag per grid cell.
    pub flags: &'a [u32],
    /// (u, δρ) per cell, lattice units.
    pub velocity_field: &'a [[f32; 4]],
    /// (signed wall distance, lumen radius, solid fraction snapshot, 0) per cell.
    pub cell_geometry: &'a [[f32; 4]],
    /// Agent, magnet and opening rows (`ParticlePlan::tables`).
    pub tables: &'a [[f32; 4]],
    pub params: ParticleParams,
    /// Edge of the crowding blocks [cells] (`ParticlePlan::crowd_block`).
    pub crowd_block: u32,
}

/// The particle arrays the kernel changes, in the GPU's layout.
pub struct Particles<'a> {
    /// Position [cells] and diameter [cells].
    pub positions: &'a mut [[f32; 4]],
    /// Velocity [cells/step] and response time τp [steps].
    pub velocities: &'a mut [[f32; 4]],
    /// (state, agent, release step, where it ended).
    pub status: &'a mut [[u32; 4]],
    /// Per cell: solid volume fraction and Σ fraction × diameter [cells], fixed point.
    pub solid: &'a mut [u32],
}

fn v3(a: [f32; 4]) -> Vec3 {
    Vec3::new(a[0], a[1], a[2])
}

impl AdvanceInputs<'_> {
    fn size(&self) -> IVec3 {
        IVec3::new(
            self.dims.nx as i32,
            self.dims.ny as i32,
            self.dims.nz as i32,
        )
    }

    fn in_grid(&self, c: IVec3) -> bool {
        c.cmpge(IVec3::ZERO).all() && c.cmplt(self.size()).all()
    }

    fn cell_of(&self, c: IVec3) -> usize {
        self.dims.index(c.x as usize, c.y as usize, c.z as usize)
    }

    fn kind(&self, cell: usize) -> u32 {
        flags::kind(self.flags[cell])
    }

    /// Trilinear interpolation over the eight cell centres around x of `value`.
    fn trilinear(&self, x: Vec3, value: impl Fn(usize) -> Vec3) -> Vec3 {
        let s = x - Vec3::splat(0.5);
        let base = s.floor().as_ivec3();
        let t = s - s.floor();
        let mut sum = Vec3::ZERO;
        for k in 0..8 {
            let o = IVec3::new(k & 1, (k >> 1) & 1, (k >> 2) & 1);
            let pick = |one: bool, t: f32| if one { t } else { 1.0 - t };
            let w = pick(o.x == 1, t.x) * pick(o.y == 1, t.y) * pick(o.z == 1, t.z);
            let c = (base + o).clamp(IVec3::ZERO, self.size() - IVec3::ONE);
            sum += w * value(self.cell_of(c));
        }
        sum
    }

    fn fluid_velocity(&self, x: Vec3) -> Vec3 {
        self.trilinear(x, |c| v3(self.velocity_field[c]))
    }

    /// Signed distance to the wall: the nearest of the corner cells' tangent planes,
    /// else trilinear (shaders/particles/advance.wgsl, wall_distance).
    fn wall_distance(&self, x: Vec3) -> f32 {
        let s = x - Vec3::splat(0.5);
        let base = s.floor().as_ivec3();
        let nearest_plane = (0..8)
            .filter_map(|k| {
                let o = IVec3::new(k & 1, (k >> 1) & 1, (k >> 2) & 1);
                let c = (base + o).clamp(IVec3::ZERO, self.size() - IVec3::ONE);
                let g = self.cell_geometry[self.cell_of(c)];
                (g[1] != 0.0).then(|| {
                    let n = Vec3::from(decode_normal([g[1] - NORMAL_OFFSET, g[3]]));
                    g[0] + (x - c.as_vec3() - Vec3::splat(0.5)).dot(n)
                })
            })
            .reduce(f32::min);
        let interpolated = self
            .trilinear(x, |c| Vec3::splat(self.cell_geometry[c][0]))
            .x;
        // Planes of a lumen beyond a thin wall fall far below: interpolate there.
        match nearest_plane {
            Some(p) if p > interpolated - PLANE_DISAGREEMENT => p,
            _ => interpolated,
        }
    }

    /// Gradient of the wall distance, central differences over one cell.
    fn distance_gradient(&self, x: Vec3) -> Vec3 {
        Vec3::new(
            self.wall_distance(x + Vec3::X * 0.5) - self.wall_distance(x - Vec3::X * 0.5),
            self.wall_distance(x + Vec3::Y * 0.5) - self.wall_distance(x - Vec3::Y * 0.5),
            self.wall_distance(x + Vec3::Z * 0.5) - self.wall_distance(x - Vec3::Z * 0.5),
        )
    }

    /// Unit normal from the wall into the lumen (gradient of the distance).
    fn wall_normal(&self, x: Vec3) -> Vec3 {
        let g = self.distance_gradient(x);
        let n = g.length();
        if n > 1e-12 {
            g / n
        } else {
            Vec3::ZERO
        }
    }

    /// Columns ∂u/∂x, ∂u/∂y, ∂u/∂z: central differences over one cell.
    fn velocity_gradient(&self, x: Vec3) -> Mat3 {
        let d = |e: Vec3| self.fluid_velocity(x + e * 0.5) - self.fluid_velocity(x - e * 0.5);
        Mat3::from_cols(d(Vec3::X), d(Vec3::Y), d(Vec3::Z))
    }

    /// ½∇|B|² of every magnet at the SI position p [T²/m].
    fn magnetic_gradient(&self, p: Vec3) -> Vec3 {
        let pp = &self.params;
        let base = 2 * pp.agents as usize;
        let mut g = Vec3::ZERO;
        for k in 0..pp.magnets as usize {
            let (a, b) = (self.tables[base + 2 * k], v3(self.tables[base + 2 * k + 1]));
            if a[3] > 0.5 {
                g += b;
            } else {
                let r = p - v3(a);
                let r2 = r.dot(r).max(1e-12);
                let s = b.dot(r);
                let m2 = b.dot(b);
                let r8 = r2 * r2 * r2 * r2;
                let k = 1e-14;
                g += k * (3.0 * s * b / r8 - 12.0 * s * s * r / (r8 * r2) - 3.0 * m2 * r / r8);
            }
        }
        g
    }

    /// The wall distance with cells packed with lodged material as wall (−¼ inside).
    fn open_distance(&self, x: Vec3) -> f32 {
        let c = x.floor().as_ivec3();
        if self.in_grid(c)
            && self.cell_geometry[self.cell_of(c)][2] >= self.params.blocking_fraction
        {
            return -0.25;
        }
        self.wall_distance(x)
    }

    /// How far the lumen is open from p along u, up to `limit` [cells]
    /// (shaders/particles/advance.wgsl, free_length).
    fn free_length(&self, p: Vec3, u: Vec3, limit: f32) -> f32 {
        let mut d = self.open_distance(p);
        if d <= 0.0 {
            return 0.0;
        }
        let mut t = 0.0f32;
        for _ in 0..64 {
            let step = d.clamp(0.25, 1.0);
            if t + step >= limit {
                return limit;
            }
            let d_next = self.open_distance(p + u * (t + step));
            if d_next <= 0.0 {
                return t + step * d / (d - d_next);
            }
            t += step;
            d = d_next;
        }
        t
    }

    /// A point of the open lumen in the section through p: p, or the most open
    /// point over ±OPEN_POINT_REACH cells (shaders/particles/advance.wgsl,
    /// open_section_point).
    fn open_section_point(&self, p: Vec3, e1: Vec3, e2: Vec3) -> Vec3 {
        if self.open_distance(p) > 0.0 {
            return p;
        }
        let reach = OPEN_POINT_REACH;
        let (mut best, mut best_distance) = (p, 0.0f32);
        for i in -reach..=reach {
            for j in -reach..=reach {
                let q = p + e1 * i as f32 + e2 * j as f32;
                let d = self.open_distance(q);
                if d > best_distance {
                    best = q;
                    best_distance = d;
                }
            }
        }
        best
    }

    /// Whether the section through a plainly admits a sphere of diameter `width`
    /// (shaders/particles/advance.wgsl, section_admits).
    fn section_admits(&self, a: Vec3, dir: Vec3, width: f32, normal: Vec3) -> bool {
        let r = 0.5 * width;
        if self.open_distance(a) >= r {
            return true;
        }
        let g = normal - normal.dot(dir) * dir;
        let l = g.length();
        if l > 1e-6 {
            let n = g / l;
            if self.open_distance(a + n * width) >= r
                || self.open_distance(a + n * (2.0 * width)) >= r
            {
                return true;
            }
        }
        let (e1, e2) = section_axes(dir);
        (0..16).any(|k| {
            let angle = (k % 8) as f32 * std::f32::consts::FRAC_PI_4;
            let reach = (1 + k / 8) as f32 * width;
            self.open_distance(a + (angle.cos() * e1 + angle.sin() * e2) * reach) >= r
        })
    }

    /// Width of the open lumen in the plane through `a` perpendicular to `dir`: the
    /// shortest of 8 chords through the re-centred section centre
    /// (shaders/particles/advance.wgsl, section_width).
    fn section_width(&self, section_point: Vec3, dir: Vec3, limit: f32) -> f32 {
        let (e1, e2) = section_axes(dir);
        let a = self.open_section_point(section_point, e1, e2);
        let chord_dir = |k: i32| {
            let angle = k as f32 * std::f32::consts::FRAC_PI_8;
            angle.cos() * e1 + angle.sin() * e2
        };
        let mut mean_mid = Vec3::ZERO;
        for k in 0..8 {
            let u = chord_dir(k);
            let ahead = self.free_length(a, u, limit);
            let behind = self.free_length(a, -u, limit);
            mean_mid += a + u * (0.5 * (ahead - behind));
        }
        let mut c = 2.0 * mean_mid / 8.0 - a;
        if self.open_distance(c) <= self.open_distance(a) {
            c = a;
        }
        let mut width = 2.0 * limit;
        for k in 0..8 {
            let u = chord_dir(k);
            width = width.min(self.free_length(c, u, limit) + self.free_length(c, -u, limit));
        }
        width
    }
}

/// Two unit vectors spanning the section perpendicular to the unit vector dir (the
/// kernel's section_axes).
fn section_axes(dir: Vec3) -> (Vec3, Vec3) {
    let helper = if dir.x.abs() > 0.9 { Vec3::Y } else { Vec3::X };
    let e1 = dir.cross(helper).normalize();
    (e1, dir.cross(e1))
}

/// The kernel's PCG hash: a uniform number in [0, 1) per particle, step and seed.
pub fn random01(i: u32, step: u32, seed: u32) -> f32 {
    let mut s = i
        .wrapping_mul(747796405)
        .wrapping_add(step.wrapping_mul(2891336453))
        .wrapping_add(seed.wrapping_mul(277803737))
        .wrapping_add(1);
    s = s.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((s >> ((s >> 28) + 4)) ^ s).wrapping_mul(277803737);
    ((word >> 22) ^ word) as f32 * 2.3283064e-10
}

/// Adds a lodged particle's volume (diameter d cells) to the fluid cells its sphere
/// covers (its own cell when smaller than one).
fn deposit(inputs: &AdvanceInputs, solid: &mut [u32], x: Vec3, d: f32) {
    let volume = std::f32::consts::FRAC_PI_6 * d * d * d;
    let r = 0.5 * d;
    let reach = r.ceil().min(10.0) as i32;
    let centre = x.floor().as_ivec3();
    let mut covered = Vec::new();
    for dz in -reach..=reach {
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let c = centre + IVec3::new(dx, dy, dz);
                if !inputs.in_grid(c) {
                    continue;
                }
                let offset = c.as_vec3() + Vec3::splat(0.5) - x;
                let own = dx == 0 && dy == 0 && dz == 0;
                if !own && offset.dot(offset) > (r + 0.5) * (r + 0.5) {
                    continue;
                }
                let cell = inputs.cell_of(c);
                if inputs.kind(cell) == flags::FLUID {
                    covered.push(cell);
                }
            }
        }
    }
    if covered.is_empty() {
        return;
    }
    let share = volume / covered.len() as f32;
    let scale = inputs.params.solid_scale;
    for cell in covered {
        solid[2 * cell] = solid[2 * cell].wrapping_add((share * scale) as u32);
        solid[2 * cell + 1] = solid[2 * cell + 1].wrapping_add((share * d * scale) as u32);
    }
}

/// The acceleration [lattice] besides drag: buoyant gravity, magnets, and the
/// optional fluid-acceleration and lift forces.
fn acceleration(
    inputs: &AdvanceInputs,
    x: Vec3,
    u: Vec3,
    v: Vec3,
    d: f32,
    agent: [[f32; 4]; 2],
) -> Vec3 {
    let pp = &inputs.params;
    let mut a = v3(agent[0]);
    if pp.magnets > 0 && agent[1][1] != 0.0 {
        let p_m = v3(pp.origin_m) + x * pp.dx_m;
        a += agent[1][1] * inputs.magnetic_gradient(p_m) * pp.accel_to_lattice;
    }
    if pp.forces != 0 {
        let j = inputs.velocity_gradient(x);
        if pp.forces & 1 != 0 {
            // (1 + C_m) ρ V Du/Dt with Du/Dt ≈ (u·∇)u (Maxey & Riley 1983).
            a += agent[1][2] * (j * u);
        }
        if pp.forces & 2 != 0 {
            // Saffman (1965) lift per unit effective mass.
            let omega = Vec3::new(
                j.y_axis.z - j.z_axis.y,
                j.z_axis.x - j.x_axis.z,
                j.x_axis.y - j.y_axis.x,
            );
            let w = omega.length();
            if w > 1e-12 {
                a += 3.0844 * agent[1][3] * (pp.nu / w).sqrt() * (u - v).cross(omega) / d;
            }
        }
    }
    a
}

/// One step of every particle at particle step `step` (the kernel's clock).
pub fn advance(inputs: &AdvanceInputs, particles: &mut Particles, step: u32) {
    let crowd = Crowd::count(inputs, particles);
    for i in 0..particles.status.len() {
        advance_one(inputs, &crowd, particles, i, step);
    }
}

/// Free particles per block of `crowd_block`³ cells as the step starts (the
/// kernel's count_crowd).
struct Crowd {
    edge: f32,
    blocks: IVec3,
    counts: Vec<u32>,
}

impl Crowd {
    fn count(inputs: &AdvanceInputs, particles: &Particles) -> Crowd {
        let edge = inputs.crowd_block.max(1);
        let dims = inputs.dims;
        let blocks = IVec3::new(
            dims.nx.div_ceil(edge as usize) as i32,
            dims.ny.div_ceil(edge as usize) as i32,
            dims.nz.div_ceil(edge as usize) as i32,
        );
        let mut crowd = Crowd {
            edge: edge as f32,
            blocks,
            counts: vec![0; dims.blocks(edge as usize)],
        };
        for (p, m) in particles.positions.iter().zip(particles.status.iter()) {
            if m[0] == state::FREE {
                if let Some(k) = crowd.index(crowd.block(v3(*p))) {
                    crowd.counts[k] += 1;
                }
            }
        }
        crowd
    }

    fn block(&self, x: Vec3) -> IVec3 {
        (x / self.edge).floor().as_ivec3()
    }

    fn index(&self, b: IVec3) -> Option<usize> {
        let inside = b.cmpge(IVec3::ZERO).all() && b.cmplt(self.blocks).all();
        inside.then(|| (b.x + self.blocks.x * (b.y + self.blocks.y * b.z)) as usize)
    }

    /// Free particles other than this one in the 3×3×3 blocks around x (the
    /// kernel's partners).
    fn partners(&self, x: Vec3, counted: bool) -> u32 {
        let b = self.block(x);
        let mut count = 0;
        for k in 0..27 {
            let c = b + IVec3::new(k % 3 - 1, (k / 3) % 3 - 1, k / 9 - 1);
            if let Some(index) = self.index(c) {
                count += self.counts[index];
            }
        }
        if counted {
            count.max(1) - 1
        } else {
            count
        }
    }
}

fn advance_one(inputs: &AdvanceInputs, crowd: &Crowd, ps: &mut Particles, i: usize, step: u32) {
    let pp = &inputs.params;
    let mut m = ps.status[i];
    let counted = m[0] == state::FREE;
    if m[0] == state::WAITING {
        if step < m[2] {
            return;
        }
        m[0] = state::FREE;
    }
    if m[0] != state::FREE {
        return;
    }
    let (p, q) = (ps.positions[i], ps.velocities[i]);
    let (x, v, d) = (v3(p), v3(q), p[3]);
    let radius = 0.5 * d;
    // A cell occlusion closed around a free particle holds it (the kernel says why).
    let start = x.floor().as_ivec3();
    if inputs.in_grid(start) && inputs.kind(inputs.cell_of(start)) == flags::WALL {
        m[0] = state::LODGED;
        m[3] = inputs.cell_of(start) as u32;
        ps.velocities[i] = [0.0, 0.0, 0.0, q[3]];
        deposit(inputs, ps.solid, x, d);
        ps.status[i] = m;
        return;
    }
    let agent = [
        inputs.tables[2 * m[1] as usize],
        inputs.tables[2 * m[1] as usize + 1],
    ];
    let u = inputs.fluid_velocity(x);
    let re = (u - v).length() * d / pp.nu;
    let f = if re > 1000.0 {
        0.44 * re / 24.0
    } else {
        1.0 + 0.15 * re.powf(0.687)
    };
    let tau = (q[3] / f).max(1e-12);
    let a = acceleration(inputs, x, u, v, d, agent);
    let v_inf = u + a * tau;
    let decay = (-1.0 / tau).exp();
    let mut x_new = x + v_inf + (v - v_inf) * tau * (1.0 - decay);
    let mut v_new = v_inf + (v - v_inf) * decay;
    let restitution = agent[0][3];
    let mut stuck = false;
    let gap = inputs.wall_distance(x_new) - radius;
    let mut contact_normal = Vec3::ZERO;
    if gap < 0.0 {
        let n = inputs.wall_normal(x_new);
        contact_normal = n;
        x_new -= gap * n;
        let vn = v_new.dot(n);
        if vn < 0.0 {
            v_new -= (1.0 + restitution) * vn * n;
        }
        stuck = agent[1][0] > 0.0 && random01(i as u32, step, pp.seed) < agent[1][0];
    }
    // Never inside a wall cell (walls made by occlusion are not in the distance field).
    let mut c = x_new.floor().as_ivec3();
    let wall_at = |c: IVec3| inputs.in_grid(c) && inputs.kind(inputs.cell_of(c)) == flags::WALL;
    if wall_at(c) {
        let blocked = c.as_vec3() + Vec3::splat(0.5);
        let n = (x - blocked).normalize();
        let mut step_in = x_new - x;
        step_in -= step_in.dot(n).min(0.0) * n;
        let slid = x + step_in;
        let cs = slid.floor().as_ivec3();
        if inputs.in_grid(cs) && !wall_at(cs) {
            x_new = slid;
            v_new -= (1.0 + restitution) * v_new.dot(n).min(0.0) * n;
            c = cs;
        } else {
            x_new = x;
            v_new = -restitution * v;
            c = x.floor().as_ivec3();
        }
    }
    let fate = Fate {
        i,
        step,
        x,
        x_new,
        v_new,
        u,
        d,
        gap,
        contact_normal,
        stuck,
        partners: crowd.partners(x, counted),
        settling: Vec3::new(agent[0][0], agent[0][1], agent[0][2]).length() * q[3],
    };
    settle(inputs, &mut m, c, &fate, &mut x_new);
    if m[0] == state::LODGED || m[0] == state::STUCK {
        v_new = Vec3::ZERO;
        deposit(inputs, ps.solid, x_new, d);
    }
    ps.positions[i] = [x_new.x, x_new.y, x_new.z, d];
    ps.velocities[i] = [v_new.x, v_new.y, v_new.z, q[3]];
    ps.status[i] = m;
}

/// Where a particle's step ended, for deciding its state.
struct Fate {
    i: usize,
    step: u32,
    /// Position before and after the step [cells], velocity after it.
    x: Vec3,
    x_new: Vec3,
    v_new: Vec3,
    /// Fluid velocity at the step's start.
    u: Vec3,
    d: f32,
    /// Distance of the sphere's surface from the wall (negative: in contact), and
    /// the wall's normal there (zero without contact).
    gap: f32,
    contact_normal: Vec3,
    stuck: bool,
    /// Free particles arriving with it (`Crowd::partners`).
    partners: u32,
    /// Stokes settling speed under the agent's acceleration [cells/step].
    settling: f32,
}

/// Deep-bed filtration's capture probability over `travelled` cells in a cell whose
/// geometry row `bed` holds the lodged solid fraction φ (z) and grain diameter d_c
/// (w): 1 − exp(−λ L), λ = (3/2) φ α η / d_c, η = (3/2)(d/d_c)² + v_s/U capped at 1
/// (Yao, Habibian & O'Melia 1971; the kernel's `filtration_chance`).
fn filtration_chance(
    pp: &ParticleParams,
    bed: [f32; 4],
    d: f32,
    travelled: f32,
    settling: f32,
    approach: f32,
) -> f32 {
    let (phi, grain) = (bed[2], bed[3]);
    if pp.attachment_efficiency <= 0.0 || phi <= 0.0 || grain <= 0.0 {
        return 0.0;
    }
    let ratio = d / grain;
    let eta = (1.5 * ratio * ratio + settling / approach.max(1e-9)).min(1.0);
    let lambda = 1.5 * phi * pp.attachment_efficiency * eta / grain;
    1.0 - (-lambda * travelled).exp()
}

/// Exit, capture at an outlet's bed, sticking or lodging (sieving, plugs,
/// bridging), as the kernel decides them.
fn settle(inputs: &AdvanceInputs, m: &mut [u32; 4], c: IVec3, f: &Fate, x_new: &mut Vec3) {
    let pp = &inputs.params;
    if !inputs.in_grid(c) {
        m[0] = state::EXITED;
        m[3] = state::OUTSIDE;
        return;
    }
    let cell = inputs.cell_of(c);
    let kind = inputs.kind(cell);
    if kind == flags::INLET || kind == flags::OUTLET {
        let opening = flags::opening(inputs.flags[cell]);
        let capture = inputs.tables[2 * (pp.agents + pp.magnets) as usize + opening][0];
        if kind == flags::OUTLET && capture > 0.0 && f.d >= capture {
            *x_new = f.x;
            m[0] = state::LODGED;
            m[3] = inputs.cell_of(f.x.floor().as_ivec3()) as u32;
        } else {
            m[0] = state::EXITED;
            m[3] = opening as u32;
        }
        return;
    }
    if f.stuck {
        m[0] = state::STUCK;
        m[3] = cell as u32;
        return;
    }
    let radius = 0.5 * f.d;
    let carrier = if f.u.length() > 1e-9 { f.u } else { f.v_new };
    let speed = carrier.length();
    let mut ahead_cell = cell;
    let mut dir = Vec3::Z;
    if speed > 1e-9 {
        dir = carrier / speed;
        let ahead = (f.x_new + dir * (radius + 0.5)).floor().as_ivec3();
        if inputs.in_grid(ahead) {
            ahead_cell = inputs.cell_of(ahead);
        }
    }
    let packed_ahead = inputs.cell_geometry[ahead_cell][2] >= pp.blocking_fraction;
    if f.gap < 0.0 || packed_ahead {
        // Measured through the contact ring on a converging wall, or beyond the front
        // against a plug (the kernel says why).
        let slope = (-f.contact_normal.dot(dir)).clamp(0.0, 1.0);
        let look = if packed_ahead {
            radius + 0.5
        } else {
            radius * slope + 0.5
        };
        let section = f.x_new + dir * look;
        // Sieving where the cheap test does not admit the sphere, then bridging with
        // packed material or partners (the kernel says why).
        let mut lumen = -1.0;
        let mut lodge = false;
        if !inputs.section_admits(section, dir, f.d, f.contact_normal) {
            lumen = inputs.section_width(section, dir, SECTION_REACH);
            lodge = f.d >= lumen;
        }
        let i = f.i as u32;
        if !lodge && random01(i ^ 0x9e3779b9, f.step, pp.seed) < BRIDGING_CHANCE {
            let others = match (packed_ahead, slope > CONVERGING_SLOPE) {
                (true, _) => 1,
                (false, true) => f.partners,
                (false, false) => 0,
            };
            let arch_width = pp.bridging_ratio * f.d;
            if others > 0 && !inputs.section_admits(section, dir, arch_width, f.contact_normal) {
                if lumen < 0.0 {
                    lumen = inputs.section_width(section, dir, SECTION_REACH);
                }
                // A neck: narrower ahead than behind (the kernel says why).
                let mut neck = packed_ahead;
                if !packed_ahead && lumen < arch_width {
                    let behind = f.x_new - dir * (2.0 * f.d).max(NECK_BASELINE);
                    neck =
                        inputs.section_width(behind, dir, SECTION_REACH) >= lumen + NECK_NARROWING;
                }
                let missing = (lumen / f.d).ceil().max(2.0) - 1.0;
                let present = if packed_ahead {
                    1.0
                } else {
                    (others as f32 / missing).min(1.0)
                };
                lodge = neck
                    && lumen < arch_width
                    && random01(i ^ 0x85ebca6b, f.step, pp.seed) < present;
            }
        }
        if lodge {
            m[0] = state::LODGED;
            m[3] = cell as u32;
        }
    }
    // Inside lodged material it can pass, grains on its path capture it.
    if m[0] == state::FREE {
        let bed = inputs.cell_geometry[cell];
        let travelled = (f.x_new - f.x).length();
        let chance = filtration_chance(pp, bed, f.d, travelled, f.settling, f.u.length());
        if chance > 0.0 && random01(f.i as u32 ^ 0xc2b2ae35, f.step, pp.seed) < chance {
            m[0] = state::LODGED;
            m[3] = cell as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_numbers_are_uniform_and_repeatable() {
        let draws: Vec<f32> = (0..10_000).map(|i| random01(i, 7, 42)).collect();
        assert!(draws.iter().all(|&r| (0.0..1.0).contains(&r)));
        let mean = draws.iter().sum::<f32>() / draws.len() as f32;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        assert_eq!(random01(3, 7, 42), random01(3, 7, 42));
        assert_ne!(random01(3, 7, 42), random01(3, 8, 42));
    }
}
