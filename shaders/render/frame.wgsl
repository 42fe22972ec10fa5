// One rendered frame, headless, at `ss` times the output resolution (supersampling
// anti-aliasing): particles are splatted as shaded sphere impostors with a depth test
// (atomicMin on the ray distance), then every pixel marches its ray through the voxel
// grid front to back: the vessel wall as a translucent surface, smooth on the level
// set of the cell occupancy (wall_level) rather than voxel faces, occluded cells
// opaque red, porous lodged material as red haze, a slice coloured by speed, and the
// particles where the ray reaches them. `downsample` averages ss×ss samples.
// Coordinates are in cells: cell i spans [i, i + 1) along each axis.

struct RenderParams {
    eye: vec4<f32>,
    forward: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    // x: tan(fov_y / 2) · aspect, y: tan(fov_y / 2), z: max speed (lattice) of the
    // colour scale, w: fixed-point scale of the solid counters.
    lens: vec4<f32>,
    // Slice plane n·p = d (xyz, w); n = 0 switches it off.
    slice: vec4<f32>,
    // Output width and height, supersampling factor, particle count.
    size: vec4<u32>,
    // Grid nx, ny, nz; w: 1 when the solid counters are bound.
    grid: vec4<u32>,
}

// Bindings (declared in src/kernels/, generated in front of this file):
//   rp: RenderParams (uniform)
//   flags: array<u32> (read)
//   velocity_field: array<vec4<f32>> (read)
//   solid: array<u32> (read)
//   positions: array<vec4<f32>> (read)
//   status: array<vec4<u32>> (read)
//   depth: array<atomic<u32>> (read_write)
//   image: array<u32> (read_write)
//   final_image: array<u32> (read_write)

const WALL: u32 = 1u;
const FAR: f32 = 3.0e38;
const STATE_FREE: u32 = 1u;
const STATE_LODGED: u32 = 2u;
const STATE_STUCK: u32 = 3u;

fn ss_width() -> u32 {
    return rp.size.x * rp.size.z;
}
fn ss_height() -> u32 {
    return rp.size.y * rp.size.z;
}

fn pack(c: vec4<f32>) -> u32 {
    return pack4x8unorm(c);
}

fn cell_index(c: vec3<i32>) -> i32 {
    let n = vec3<i32>(rp.grid.xyz);
    if (any(c < vec3<i32>(0)) || any(c >= n)) {
        return -1;
    }
    return c.x + n.x * (c.y + n.y * c.z);
}

// 1 for wall (and outside the grid), 0 for fluid.
fn occupancy(c: vec3<i32>) -> f32 {
    let i = cell_index(c);
    if (i < 0) {
        return 1.0;
    }
    return select(0.0, 1.0, (cell_flag(u32(i)) & 3u) == WALL);
}

// The wall as a level set: occupancy interpolated trilinearly between cell centres
// (cell c's centre is at c + ½). It crosses ½ midway between a wall and a lumen centre,
// where halfway bounce-back puts the wall, and varies smoothly along the surface, so
// the wall is drawn and shaded smooth rather than as voxel blocks.
// The eight occupancies of the dual cube whose lowest corner is cell `base`: `low`
// at z = base.z, `high` at base.z + 1, each (x0 y0, x1 y0, x0 y1, x1 y1). A ray keeps
// its cube while it stays inside, so most samples read no cell.
struct Cube {
    base: vec3<i32>,
    low: vec4<f32>,
    high: vec4<f32>,
}

fn cube_at(base: vec3<i32>) -> Cube {
    let z = vec3<i32>(0, 0, 1);
    return Cube(
        base,
        vec4<f32>(
            occupancy(base),
            occupancy(base + vec3<i32>(1, 0, 0)),
            occupancy(base + vec3<i32>(0, 1, 0)),
            occupancy(base + vec3<i32>(1, 1, 0)),
        ),
        vec4<f32>(
            occupancy(base + z),
            occupancy(base + vec3<i32>(1, 0, 0) + z),
            occupancy(base + vec3<i32>(0, 1, 0) + z),
            occupancy(base + vec3<i32>(1, 1, 0) + z),
        ),
    );
}

// The level at fraction f inside the cube.
fn cube_level(cube: Cube, f: vec3<f32>) -> f32 {
    let along_z = mix(cube.low, cube.high, f.z);
    let along_y = mix(along_z.xy, along_z.zw, f.y);
    return mix(along_y.x, along_y.y, f.x);
}

fn wall_level(p: vec3<f32>) -> f32 {
    let q = p - vec3<f32>(0.5);
    return cube_level(cube_at(vec3<i32>(floor(q))), q - floor(q));
}

// The level set's gradient at a point p on the surface (where the level is ½), by
// forward differences a cell long: points into the wall. Three evaluations where
// central differences take six: shading every translucent crossing of a ray is most
// of a frame's cost on a CPU. Zero where the wall is flat to within the differences.
fn wall_gradient(p: vec3<f32>) -> vec3<f32> {
    return vec3<f32>(
        wall_level(p + vec3<f32>(1.0, 0.0, 0.0)),
        wall_level(p + vec3<f32>(0.0, 1.0, 0.0)),
        wall_level(p + vec3<f32>(0.0, 0.0, 1.0)),
    ) - vec3<f32>(0.5);
}

fn solid_fraction(i: i32) -> f32 {
    if (rp.grid.w == 0u || i < 0) {
        return 0.0;
    }
    return f32(solid[2u * u32(i)]) / rp.lens.w;
}

// Turbo colour map, polynomial fit (Mikhailov, Google AI blog 2019), t in [0, 1].
fn turbo(t_in: f32) -> vec3<f32> {
    let t = clamp(t_in, 0.0, 1.0);
    let r = vec4<f32>(0.13572138, 4.61539260, -42.66032258, 132.13108234);
    let g = vec4<f32>(0.09140261, 2.19418839, 4.84296658, -14.18503333);
    let b = vec4<f32>(0.10667330, 12.64194608, -60.58204836, 110.36276771);
    let r2 = vec2<f32>(-152.94239396, 59.28637943);
    let g2 = vec2<f32>(4.27729857, 2.82956604);
    let b2 = vec2<f32>(-89.90310912, 27.34824973);
    let v4 = vec4<f32>(1.0, t, t * t, t * t * t);
    let v2 = v4.zw * v4.z;
    return clamp(vec3<f32>(
        dot(v4, r) + dot(v2, r2),
        dot(v4, g) + dot(v2, g2),
        dot(v4, b) + dot(v2, b2),
    ), vec3<f32>(0.0), vec3<f32>(1.0));
}

fn ray_dir(px: f32, py: f32) -> vec3<f32> {
    let x = 2.0 * px / f32(ss_width()) - 1.0;
    let y = 1.0 - 2.0 * py / f32(ss_height());
    return normalize(rp.forward.xyz + x * rp.lens.x * rp.right.xyz + y * rp.lens.y * rp.up.xyz);
}

// Screen position (ss pixels) and distance of a point; z ≤ 0 when behind the eye.
fn project(p: vec3<f32>) -> vec3<f32> {
    let v = p - rp.eye.xyz;
    let z = dot(v, rp.forward.xyz);
    let x = dot(v, rp.right.xyz) / (z * rp.lens.x);
    let y = dot(v, rp.up.xyz) / (z * rp.lens.y);
    return vec3<f32>(
        (x + 1.0) * 0.5 * f32(ss_width()),
        (1.0 - y) * 0.5 * f32(ss_height()),
        z,
    );
}

fn particle_colour(s: vec4<u32>) -> vec3<f32> {
    if (s.x == STATE_LODGED) {
        return vec3<f32>(1.0, 0.86, 0.12);
    }
    if (s.x == STATE_STUCK) {
        return vec3<f32>(0.75, 0.75, 0.78);
    }
    // Free: one colour per agent.
    let agent = s.y % 4u;
    switch (agent) {
        case 0u: { return vec3<f32>(0.20, 0.85, 1.0); }
        case 1u: { return vec3<f32>(0.35, 1.0, 0.45); }
        case 2u: { return vec3<f32>(1.0, 0.45, 0.95); }
        default: { return vec3<f32>(1.0, 1.0, 1.0); }
    }
}

@compute @workgroup_size(64)
fn clear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    if (i >= ss_width() * ss_height()) {
        return;
    }
    atomicStore(&depth[i], bitcast<u32>(FAR));
    image[i] = 0u;
}

// Footprint of particle k: centre (ss px), radius (ss px), distance, radius (cells).
struct Footprint {
    centre: vec2<f32>,
    radius_px: f32,
    distance: f32,
    radius: f32,
    visible: bool,
}

fn footprint(k: u32) -> Footprint {
    var f: Footprint;
    f.visible = false;
    let s = status[k];
    if (s.x != STATE_FREE && s.x != STATE_LODGED && s.x != STATE_STUCK) {
        return f;
    }
    let p = positions[k];
    let q = project(p.xyz);
    if (q.z <= 0.5) {
        return f;
    }
    f.centre = q.xy;
    f.radius = 0.5 * p.w;
    let px_per_cell = 0.5 * f32(ss_height()) / (q.z * rp.lens.y);
    // At least 1.5 output pixels across so that the smallest agents stay visible.
    f.radius_px = clamp(f.radius * px_per_cell, 1.5 * f32(rp.size.z), 24.0 * f32(rp.size.z));
    f.distance = length(p.xyz - rp.eye.xyz);
    f.visible = true;
    return f;
}

// Distance of the impostor sphere's surface at pixel offset d (in radii), and d².
fn surface_distance(f: Footprint, pixel: vec2<f32>) -> vec2<f32> {
    let d = (pixel - f.centre) / f.radius_px;
    let d2 = dot(d, d);
    return vec2<f32>(f.distance - f.radius * sqrt(max(1.0 - d2, 0.0)), d2);
}

@compute @workgroup_size(64)
fn splat_depth(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let k = gid.x + gid.y * groups.x * 64u;
    if (k >= rp.size.w) {
        return;
    }
    let f = footprint(k);
    if (!f.visible) {
        return;
    }
    let r = i32(ceil(f.radius_px));
    let c = vec2<i32>(floor(f.centre));
    for (var y = c.y - r; y <= c.y + r; y++) {
        for (var x = c.x - r; x <= c.x + r; x++) {
            if (x < 0 || y < 0 || x >= i32(ss_width()) || y >= i32(ss_height())) {
                continue;
            }
            let sd = surface_distance(f, vec2<f32>(f32(x) + 0.5, f32(y) + 0.5));
            if (sd.y <= 1.0) {
                atomicMin(&depth[u32(x) + ss_width() * u32(y)], bitcast<u32>(sd.x));
            }
        }
    }
}

@compute @workgroup_size(64)
fn splat_colour(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let k = gid.x + gid.y * groups.x * 64u;
    if (k >= rp.size.w) {
        return;
    }
    let f = footprint(k);
    if (!f.visible) {
        return;
    }
    let base = particle_colour(status[k]);
    let r = i32(ceil(f.radius_px));
    let c = vec2<i32>(floor(f.centre));
    for (var y = c.y - r; y <= c.y + r; y++) {
        for (var x = c.x - r; x <= c.x + r; x++) {
            if (x < 0 || y < 0 || x >= i32(ss_width()) || y >= i32(ss_height())) {
                continue;
            }
            let pixel = vec2<f32>(f32(x) + 0.5, f32(y) + 0.5);
            let sd = surface_distance(f, pixel);
            let i = u32(x) + ss_width() * u32(y);
            if (sd.y <= 1.0 && atomicLoad(&depth[i]) == bitcast<u32>(sd.x)) {
                // Sphere normal towards the viewer: Lambert plus a rim.
                let lambert = sqrt(max(1.0 - sd.y, 0.0));
                image[i] = pack(vec4<f32>(base * (0.3 + 0.7 * lambert), 1.0));
            }
        }
    }
}

@compute @workgroup_size(64)
fn march(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let w = ss_width();
    if (i >= w * ss_height()) {
        return;
    }
    let px = f32(i % w) + 0.5;
    let py = f32(i / w) + 0.5;
    let dir = ray_dir(px, py);
    let eye = rp.eye.xyz;
    // Background: dark blue-grey gradient.
    let background = mix(vec3<f32>(0.10, 0.11, 0.14), vec3<f32>(0.02, 0.02, 0.04), py / f32(ss_height()));
    let particle_depth = bitcast<f32>(atomicLoad(&depth[i]));
    let particle = unpack4x8unorm(image[i]);

    // Entry and exit of the grid box.
    let n = vec3<f32>(rp.grid.xyz);
    let inv = 1.0 / select(dir, vec3<f32>(1e-9), abs(dir) < vec3<f32>(1e-9));
    let t0 = (vec3<f32>(0.0) - eye) * inv;
    let t1 = (n - eye) * inv;
    let t_near = max(max(min(t0.x, t1.x), min(t0.y, t1.y)), max(min(t0.z, t1.z), 0.0));
    let t_far = min(min(max(t0.x, t1.x), max(t0.y, t1.y)), max(t0.z, t1.z));

    var colour = vec3<f32>(0.0);
    var alpha = 0.0;
    let ray_step = 0.5;
    var t = t_near;
    var previous = eye + dir * t;
    var previous_level = wall_level(previous);
    var cube = cube_at(vec3<i32>(floor(previous - vec3<f32>(0.5))));
    loop {
        if (t > t_far || alpha > 0.985) {
            break;
        }
        if (particle_depth <= t) {
            colour += (1.0 - alpha) * particle.rgb;
            alpha = 1.0;
            break;
        }
        let p = eye + dir * t;
        let c = vec3<i32>(floor(p));
        let idx = cell_index(c);
        let q = p - vec3<f32>(0.5);
        let base = vec3<i32>(floor(q));
        if (any(base != cube.base)) {
            cube = cube_at(base);
        }
        let level = cube_level(cube, q - floor(q));
        let wall = level > 0.5;
        if (wall != (previous_level > 0.5)) {
            // The surface, where the level crosses ½ between the two samples.
            let hit = mix(previous, p, clamp((0.5 - previous_level) / (level - previous_level), 0.0, 1.0));
            let gradient = wall_gradient(hit);
            var shade = 0.6;
            var into_wall = vec3<f32>(0.0);
            if (dot(gradient, gradient) > 1e-12) {
                into_wall = normalize(gradient);
                shade = 0.35 + 0.65 * abs(dot(into_wall, dir));
            }
            // The wall cell behind the surface: its lodged material colours it.
            let widx = cell_index(vec3<i32>(floor(hit + 0.5 * into_wall)));
            var surface = vec4<f32>(0.93, 0.62, 0.55, 0.28);
            if (solid_fraction(widx) > 0.0) {
                // Closed by lodged agents.
                surface = vec4<f32>(0.85, 0.08, 0.06, 0.9);
            }
            colour += (1.0 - alpha) * surface.a * surface.rgb * shade;
            alpha += (1.0 - alpha) * surface.a;
        } else if (!wall && idx >= 0) {
            // Porous lodged material inside the lumen: red haze.
            let s = solid_fraction(idx);
            if (s > 0.0) {
                let a = clamp(0.25 * s * ray_step, 0.0, 1.0);
                colour += (1.0 - alpha) * a * vec3<f32>(0.9, 0.1, 0.08);
                alpha += (1.0 - alpha) * a;
            }
        }
        // The slice plane, where the ray crosses it inside the lumen.
        if (dot(rp.slice.xyz, rp.slice.xyz) > 0.0) {
            let s0 = dot(previous, rp.slice.xyz) - rp.slice.w;
            let s1 = dot(p, rp.slice.xyz) - rp.slice.w;
            if (s0 * s1 <= 0.0 && s0 != s1) {
                let pc = mix(previous, p, s0 / (s0 - s1));
                let cc = vec3<i32>(floor(pc));
                let ci = cell_index(cc);
                if (ci >= 0 && occupancy(cc) < 0.5) {
                    let u = velocity_field[u32(ci)].xyz;
                    let rgb = turbo(length(u) / rp.lens.z);
                    colour += (1.0 - alpha) * 0.92 * rgb;
                    alpha += (1.0 - alpha) * 0.92;
                }
            }
        }
        previous_level = level;
        previous = p;
        t += ray_step;
    }
    if (alpha < 0.985 && particle_depth < FAR && particle_depth > t_far) {
        colour += (1.0 - alpha) * particle.rgb;
        alpha = 1.0;
    }
    let result = colour + (1.0 - alpha) * background;
    image[i] = pack(vec4<f32>(result, 1.0));
}

@compute @workgroup_size(64)
fn downsample(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    if (i >= rp.size.x * rp.size.y) {
        return;
    }
    let s = rp.size.z;
    let x = (i % rp.size.x) * s;
    let y = (i / rp.size.x) * s;
    var sum = vec3<f32>(0.0);
    for (var dy = 0u; dy < s; dy++) {
        for (var dx = 0u; dx < s; dx++) {
            sum += unpack4x8unorm(image[(x + dx) + ss_width() * (y + dy)]).rgb;
        }
    }
    final_image[i] = pack(vec4<f32>(sum / f32(s * s), 1.0));
}
