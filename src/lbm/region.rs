//! A box of grid cells sampled with a stride: where fields are written.

use super::GridDims;

/// A box of cells `lo..hi` (exclusive) sampled every `stride` cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRegion {
    pub lo: [usize; 3],
    pub hi: [usize; 3],
    pub stride: usize,
}

impl FieldRegion {
    pub fn whole(dims: GridDims) -> Self {
        FieldRegion {
            lo: [0; 3],
            hi: [dims.nx, dims.ny, dims.nz],
            stride: 1,
        }
    }

    /// Sample points along each axis.
    pub fn size(&self) -> [usize; 3] {
        std::array::from_fn(|a| (self.hi[a] - self.lo[a]).div_ceil(self.stride))
    }

    pub fn points(&self) -> usize {
        self.size().iter().product()
    }

    /// The grid cell of sample point `k` (x fastest).
    pub fn cell(&self, k: usize) -> [usize; 3] {
        let s = self.size();
        let i = [k % s[0], (k / s[0]) % s[1], k / (s[0] * s[1])];
        std::array::from_fn(|a| self.lo[a] + self.stride * i[a])
    }

    /// The sample point at grid cell `c`, if the region samples it.
    pub fn point_of(&self, c: [usize; 3]) -> Option<usize> {
        let s = self.size();
        let mut i = [0usize; 3];
        for a in 0..3 {
            if c[a] < self.lo[a]
                || c[a] >= self.hi[a]
                || !(c[a] - self.lo[a]).is_multiple_of(self.stride)
            {
                return None;
            }
            i[a] = (c[a] - self.lo[a]) / self.stride;
        }
        Some(i[0] + s[0] * (i[1] + s[1] * i[2]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_points_map_back_to_their_cells() {
        let r = FieldRegion {
            lo: [2, 0, 1],
            hi: [9, 4, 8],
            stride: 3,
        };
        assert_eq!(r.size(), [3, 2, 3]);
        for k in 0..r.points() {
            assert_eq!(r.point_of(r.cell(k)), Some(k));
        }
        assert_eq!(r.point_of([3, 0, 1]), None);
        assert_eq!(r.point_of([2, 0, 0]), None);
    }
}
