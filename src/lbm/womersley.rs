//! Womersley's oscillatory pipe flow (J. Physiol. 127 (1955) 553): the velocity profile
//! of each harmonic of a pulsatile flow rate, for the inlet profile and the tests.

/// A complex number, just enough for the Bessel series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub const fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
    pub fn scale(self, s: f64) -> Complex {
        Complex::new(self.re * s, self.im * s)
    }
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }
}

impl std::ops::Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl std::ops::Sub for Complex {
    type Output = Complex;
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl std::ops::Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl std::ops::Div for Complex {
    type Output = Complex;
    fn div(self, o: Complex) -> Complex {
        let d = o.re * o.re + o.im * o.im;
        Complex::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
}

/// Bessel function of the first kind J_n(z) for complex z, by its power series
/// Σ_k (−1)^k (z/2)^{2k+n} / (k! (k+n)!) (Abramowitz & Stegun 9.1.10); converges
/// quickly for the |z| ≤ 20 of arterial Womersley numbers.
pub fn bessel_j(n: u32, z: Complex) -> Complex {
    let half = z.scale(0.5);
    let half2 = half * half;
    let mut term = Complex::new(1.0, 0.0);
    for k in 1..=n {
        term = (term * half).scale(1.0 / k as f64);
    }
    let mut sum = term;
    for k in 1..80 {
        term = (term * half2).scale(-1.0 / (k as f64 * (k + n) as f64));
        sum = sum + term;
        if term.abs() < 1e-17 * sum.abs() {
            break;
        }
    }
    sum
}

/// z = i^{3/2} α.
pub fn womersley_z(alpha: f64) -> Complex {
    Complex::new(-alpha / 2f64.sqrt(), alpha / 2f64.sqrt())
}

/// Velocity at radius fraction ρ = r/R over the cross-section mean, for one harmonic
/// of Womersley number α: [1 − J0(zρ)/J0(z)] / [1 − 2 J1(z)/(z J0(z))]. α → 0 gives the
/// parabola 2(1 − ρ²).
pub fn profile(alpha: f64, rho: f64) -> Complex {
    if alpha < 1e-6 {
        return Complex::new(2.0 * (1.0 - rho * rho), 0.0);
    }
    let z = womersley_z(alpha);
    let j0 = bessel_j(0, z);
    let one = Complex::new(1.0, 0.0);
    let numerator = one - bessel_j(0, z.scale(rho)) / j0;
    let denominator = one - bessel_j(1, z).scale(2.0) / (z * j0);
    numerator / denominator
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_values_and_limits() {
        // J0(1) = 0.7651976866, J1(1) = 0.4400505857 (A&S table 9.1).
        assert!((bessel_j(0, Complex::new(1.0, 0.0)).re - 0.765_197_686_6).abs() < 1e-9);
        assert!((bessel_j(1, Complex::new(1.0, 0.0)).re - 0.440_050_585_7).abs() < 1e-9);
        // Small α: the parabola.
        let p = profile(1e-3, 0.0);
        assert!((p.re - 2.0).abs() < 1e-5 && p.im.abs() < 1e-5);
        // Large α: a flat core (plug) with the mean velocity.
        let p = profile(20.0, 0.0);
        assert!((p.abs() - 1.0).abs() < 0.1, "{p:?}");
        // The mean over the disc is 1: ∫ 2ρ φ dρ.
        let n = 4000;
        let mean = (0..n).fold(Complex::new(0.0, 0.0), |s, k| {
            let r = (k as f64 + 0.5) / n as f64;
            s + profile(5.0, r).scale(2.0 * r / n as f64)
        });
        assert!(
            (mean.re - 1.0).abs() < 1e-4 && mean.im.abs() < 1e-4,
            "{mean:?}"
        );
    }
}
