//! Cameras for rendered frames, in grid cells: a fixed view, an orbit around the
//! vessel, or a flight from the inlet towards an outlet.

use glam::DVec3;

/// A pinhole camera.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub eye: DVec3,
    pub target: DVec3,
    pub up: DVec3,
    /// Vertical field of view [degrees].
    pub fov_deg: f64,
}

impl Camera {
    /// Unit forward, right and up vectors.
    pub fn basis(&self) -> (DVec3, DVec3, DVec3) {
        let forward = (self.target - self.eye).normalize_or(DVec3::Z);
        let mut right = forward.cross(self.up);
        if right.length_squared() < 1e-12 {
            // Up along the view: any perpendicular will do.
            right = forward.any_orthonormal_vector();
        }
        let right = right.normalize();
        let up = right.cross(forward).normalize();
        (forward, right, up)
    }

    /// Output pixels per cell at the target's distance, for an image `height` tall.
    pub fn pixels_per_cell_at_target(&self, height: u32) -> f64 {
        let distance = (self.target - self.eye).length().max(1e-9);
        0.5 * height as f64 / (distance * (0.5 * self.fov_deg.to_radians()).tan())
    }
}

/// How the camera moves over the frames of a video.
#[derive(Clone, Debug, PartialEq)]
pub enum CameraPath {
    Fixed(Camera),
    /// Around `camera.target` about the `up` axis, `degrees` over the whole video.
    Orbit {
        camera: Camera,
        degrees: f64,
    },
    /// Along `path` (equally spaced points, cells), looking ahead along it.
    Fly {
        path: Vec<DVec3>,
        up: DVec3,
        fov_deg: f64,
    },
}

impl CameraPath {
    /// The camera of frame `k` of `frames`.
    pub fn at(&self, k: usize, frames: usize) -> Camera {
        let s = if frames > 1 {
            k as f64 / (frames - 1) as f64
        } else {
            0.0
        };
        match self {
            CameraPath::Fixed(c) => *c,
            CameraPath::Orbit { camera, degrees } => {
                let (camera, degrees) = (*camera, *degrees);
                let axis = camera.up.normalize_or(DVec3::Z);
                let rotation = glam::DQuat::from_axis_angle(axis, (degrees * s).to_radians());
                Camera {
                    eye: camera.target + rotation * (camera.eye - camera.target),
                    ..camera
                }
            }
            CameraPath::Fly { path, up, fov_deg } => {
                // Travel 85% of the way, looking a tenth of the path ahead.
                let n = path.len().max(1);
                let at = ((0.85 * s * (n - 1) as f64).round() as usize).min(n - 1);
                let ahead = (at + n.div_ceil(10)).min(n - 1);
                let eye = path[at];
                let mut target = path[ahead];
                if (target - eye).length_squared() < 1e-12 {
                    target = eye + (path[n - 1] - path[0]).normalize_or(DVec3::Z);
                }
                Camera {
                    eye,
                    target,
                    up: *up,
                    fov_deg: *fov_deg,
                }
            }
        }
    }
}

/// A camera that shows a grid `n` cells large whole: looking at its centre across
/// its longest horizontal axis, from a little above, at a distance that fits it.
pub fn overview(n: [usize; 3], fov_deg: f64, aspect: f64) -> Camera {
    let size = DVec3::new(n[0] as f64, n[1] as f64, n[2] as f64);
    let centre = 0.5 * size;
    // Look along the shortest axis: the vessel's extent is seen broadside.
    let shortest = (0..3)
        .min_by(|&a, &b| size[a].total_cmp(&size[b]))
        .expect("three axes");
    let mut view = DVec3::ZERO;
    view[shortest] = 1.0;
    // Up: the longest remaining axis if the image is taller than wide, else the other.
    let others: Vec<usize> = (0..3).filter(|&a| a != shortest).collect();
    let (long, short) = if size[others[0]] >= size[others[1]] {
        (others[0], others[1])
    } else {
        (others[1], others[0])
    };
    let up_axis = if aspect >= 1.0 { short } else { long };
    let mut up = DVec3::ZERO;
    up[up_axis] = 1.0;
    let half_height = 0.5 * size[up_axis];
    let half_width = 0.5 * size[if up_axis == long { short } else { long }];
    let tan = (0.5 * fov_deg.to_radians()).tan();
    let distance =
        1.1 * (half_height / tan).max(half_width / (tan * aspect)) + 0.5 * size[shortest];
    // A slight elevation gives depth to the wall.
    let eye = centre - distance * (view.normalize() * 0.97 - up * 0.25).normalize();
    Camera {
        eye,
        target: centre,
        up,
        fov_deg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_orthonormal_and_orbit_keeps_the_distance() {
        let c = Camera {
            eye: DVec3::new(0.0, -50.0, 10.0),
            target: DVec3::new(10.0, 10.0, 10.0),
            up: DVec3::Z,
            fov_deg: 35.0,
        };
        let (f, r, u) = c.basis();
        assert!((f.dot(r)).abs() < 1e-12 && (f.dot(u)).abs() < 1e-12 && (r.dot(u)).abs() < 1e-12);
        assert!((u.z - 1.0).abs() < 0.1);
        let path = CameraPath::Orbit {
            camera: c,
            degrees: 360.0,
        };
        let d0 = (c.eye - c.target).length();
        for k in 0..10 {
            let ck = path.at(k, 10);
            assert!(((ck.eye - ck.target).length() - d0).abs() < 1e-9);
        }
        assert!(
            (path.at(9, 10).eye - c.eye).length() < 1e-9,
            "a full turn returns"
        );
    }

    #[test]
    fn overview_sees_the_whole_grid() {
        let n = [40, 30, 120];
        let c = overview(n, 35.0, 16.0 / 9.0);
        let (f, r, u) = c.basis();
        let tan = (0.5f64 * 35f64.to_radians()).tan();
        for corner in 0..8 {
            let p = DVec3::new(
                if corner & 1 == 0 { 0.0 } else { 40.0 },
                if corner & 2 == 0 { 0.0 } else { 30.0 },
                if corner & 4 == 0 { 0.0 } else { 120.0 },
            );
            let v = p - c.eye;
            let z = v.dot(f);
            assert!(z > 0.0);
            assert!(
                (v.dot(u) / z).abs() <= tan,
                "corner {corner} outside vertically"
            );
            assert!(
                (v.dot(r) / z).abs() <= tan * 16.0 / 9.0,
                "corner {corner} outside horizontally"
            );
        }
    }
}
