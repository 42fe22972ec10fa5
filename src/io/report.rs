//! DIR/report.md: what ran (scenario, grid, lattice units), where and how fast
//! (adapter, MLUPS), the key results (flows, pressures, wall shear stress, particle
//! fate) and the plots; and the table of `embolus compare`. Everything is read from
//! summary.json, so reports of older runs render too.

use serde_json::Value;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Reads DIR/summary.json.
pub fn read_summary(dir: &Path) -> Result<Value, String> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}\n  Fix: give a results directory written by `embolus run` (it holds summary.json)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e})\n  Fix: rerun the scenario; the run that wrote it may have been killed",
            path.display()
        )
    })
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{} {unit}", readable(x)).trim_end().to_string(),
        _ => "–".into(),
    }
}

/// A number as people read it: whole numbers (counts, steps) as integers, others with
/// 4 significant digits, in plain notation from 0.001 to 100,000 and in scientific
/// notation beyond (128.15 → "128.2", 0.2 → "0.2", 3.7e-8 → "3.700e-8"). Files for
/// machines (metrics.csv, summary.json) keep full precision.
pub fn readable(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let magnitude = x.abs().log10().floor();
    if (-3.0..5.0).contains(&magnitude) {
        let decimals = (3.0 - magnitude).max(0.0) as usize;
        let text = format!("{x:.decimals$}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
        return text;
    }
    format!("{x:.3e}")
}

/// Key metrics of a run as (name, value, unit): what `embolus compare` tabulates and
/// the report lists.
pub fn key_metrics(s: &Value) -> Vec<(String, Option<f64>, &'static str)> {
    let mut m: Vec<(String, Option<f64>, &'static str)> = vec![
        ("simulated time".into(), num(&s["simulated_time_s"]), "s"),
        ("wall time".into(), num(&s["wall_time_s"]), "s"),
        ("speed".into(), num(&s["mlups"]), "MLUPS"),
    ];
    let openings: Vec<String> = s["openings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    match s["last_cycle"]["openings"].as_array() {
        // Pulsatile: over the last full cycle, not wherever in it the run stopped.
        Some(cycle) => {
            for o in cycle {
                let name = o["name"].as_str().unwrap_or("?");
                for (what, key, unit) in [
                    ("flow", "flow_m3_s", "m^3/s"),
                    ("pressure", "pressure_pa", "Pa"),
                ] {
                    for (stat, field, unit) in [
                        ("cycle mean", "mean", unit),
                        ("cycle amplitude", "amplitude", unit),
                        ("cycle peak", "peak", unit),
                        ("cycle phase", "phase_deg", "deg"),
                    ] {
                        m.push((format!("{name} {what}, {stat}"), num(&o[key][field]), unit));
                    }
                }
            }
        }
        None => {
            let last = &s["final_metrics"];
            for (k, name) in openings.iter().enumerate() {
                m.push((format!("{name} flow"), num(&last["flow_m3_s"][k]), "m^3/s"));
                m.push((
                    format!("{name} pressure"),
                    num(&last["pressure_pa"][k]),
                    "Pa",
                ));
            }
        }
    }
    let w = &s["wall_shear"];
    m.push(("mean WSS".into(), num(&w["mean_wss_pa"]), "Pa"));
    m.push(("max WSS".into(), num(&w["max_wss_pa"]), "Pa"));
    m.push(("mean TAWSS".into(), num(&w["mean_tawss_pa"]), "Pa"));
    m.push(("mean OSI".into(), num(&w["mean_osi"]), "-"));
    for b in w["by_branch"].as_array().into_iter().flatten() {
        let name = b["branch"].as_str().unwrap_or("?");
        m.push((
            format!("{name} branch mean WSS"),
            num(&b["mean_wss_pa"]),
            "Pa",
        ));
        m.push((
            format!("{name} branch mean TAWSS"),
            num(&b["mean_tawss_pa"]),
            "Pa",
        ));
    }
    let p = &s["particles"];
    if p.is_object() {
        for key in ["injected", "free", "lodged", "stuck", "exited"] {
            m.push((format!("particles {key}"), num(&p["tally"][key]), ""));
        }
        if let Some(by_branch) = p["tally"]["lodged_by_branch"].as_array() {
            for (name, n) in openings.iter().zip(by_branch) {
                m.push((format!("{name} branch particles lodged"), num(n), ""));
            }
        }
        m.push((
            "occluded volume".into(),
            num(&p["occluded_volume_m3"]),
            "m^3",
        ));
        if let Some(fr) = p["exited_volume_fraction"].as_object() {
            for (name, v) in fr {
                m.push((format!("{name} exited volume fraction"), num(v), "-"));
            }
        }
        if let Some(t) = p["time_to_occlusion_s"].as_object() {
            for (name, v) in t {
                m.push((format!("{name} time to occlusion"), num(v), "s"));
            }
        }
        m.push((
            "inflow / baseline".into(),
            num(&p["final_inflow_over_baseline"]),
            "-",
        ));
        m.push(("time to stasis".into(), num(&p["time_to_stasis_s"]), "s"));
        if let Some(r) = p["final_flow_over_baseline"].as_object() {
            for (name, v) in r {
                m.push((format!("{name} flow / baseline"), num(v), "-"));
            }
        }
        if let Some(r) = p["baseline_change"].as_object() {
            for (name, v) in r {
                m.push((format!("{name} baseline change"), num(v), "-"));
            }
        }
        let d = &p["delivery"];
        if d.is_object() {
            for (name, key, unit) in [
                ("particles refluxed", "refluxed", "-"),
                ("refluxed fraction", "refluxed_fraction", "-"),
                ("peak backflow past the tip", "peak_backflow_m3_s", "m^3/s"),
                ("backflow / injection flow", "backflow_fraction", "-"),
                ("particles to target", "to_target", "-"),
                ("non-target particles", "non_target", "-"),
                ("target fraction", "target_fraction", "-"),
            ] {
                if !d[key].is_null() {
                    m.push((name.into(), num(&d[key]), unit));
                }
            }
        }
    }
    let d = &s["dosimetry"];
    if d.is_object() {
        for (name, key, unit) in [
            ("activity at treatment", "activity_at_treatment_gbq", "GBq"),
            ("tumour dose (all tumours)", "tumour_dose_gy", "Gy"),
            (
                "normal-tissue dose (all territories)",
                "normal_tissue_dose_gy",
                "Gy",
            ),
            (
                "tumour / normal-tissue dose",
                "tumour_to_normal_dose_ratio",
                "-",
            ),
        ] {
            m.push((name.into(), num(&d[key]), unit));
        }
        for t in d["territories"].as_array().into_iter().flatten() {
            let name = t["outlet"].as_str().unwrap_or("?");
            m.push((
                format!("{name} territory dose"),
                num(&t["mean_dose_gy"]),
                "Gy",
            ));
            m.push((
                format!("{name} tumour dose"),
                num(&t["tumour_dose_gy"]),
                "Gy",
            ));
            m.push((
                format!("{name} normal-tissue dose"),
                num(&t["normal_dose_gy"]),
                "Gy",
            ));
        }
        for g in d["dose_map"]["regions"].as_array().into_iter().flatten() {
            let name = g["region"].as_str().unwrap_or("?");
            m.push((
                format!("{name} map mean dose"),
                num(&g["mean_dose_gy"]),
                "Gy",
            ));
            m.push((format!("{name} D70"), num(&g["d70_gy"]), "Gy"));
            m.push((
                format!("{name} V100"),
                num(&g["v100"]).map(|v| 100.0 * v),
                "%",
            ));
        }
    }
    m
}

/// "NAME X%" for each outlet whose flow still changed by more than
/// [`SETTLED_CHANGE`](crate::sim::particle_recorder::SETTLED_CHANGE) as the
/// injection began (the run's output and report.md note them).
pub fn unsettled_outlets<'a>(changes: impl Iterator<Item = (&'a str, f64)>) -> String {
    changes
        .filter(|(_, c)| *c > crate::sim::particle_recorder::SETTLED_CHANGE)
        .map(|(name, c)| format!("{name} {}%", readable(100.0 * c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Wall shear stress per branch: each outlet's branch (the lumen that drains to it).
fn branch_wall_shear_section(w: &Value) -> String {
    let mut r = String::from(
        "\n## Wall shear stress per branch\n\n\
         Each branch is the lumen that drains to its outlet (the trunk goes to the nearer \
         daughter); each wall-adjacent lumen cell counts once.\n\n\
         | branch | wall cells | mean WSS | max WSS | mean TAWSS | mean OSI |\n|---|---|---|---|---|---|\n",
    );
    for b in w["by_branch"].as_array().into_iter().flatten() {
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {} |",
            b["branch"].as_str().unwrap_or("?"),
            b["wall_cells"],
            fmt(num(&b["mean_wss_pa"]), "Pa"),
            fmt(num(&b["max_wss_pa"]), "Pa"),
            fmt(num(&b["mean_tawss_pa"]), "Pa"),
            fmt(num(&b["mean_osi"]), ""),
        );
    }
    r
}

/// The dosimetry section of report.md: activity bookkeeping and dose per territory.
fn dosimetry_section(d: &Value) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "\n## Dosimetry (Y-90, partition model)\n\n\
         {} GBq at calibration, {} h to treatment (decay factor {}): {} GBq, of which {} GBq shunted to the lungs. \
         {} real spheres of {} Bq, {} per simulated sphere. Simulated spheres: {}% in the territories below, \
         {}% through other outlets, {}% lodged in the vessels, {}% still moving, {}% not yet released. \
         Dose assumes local deposition (D = C·A/m, docs/dosimetry.md).\n",
        fmt(num(&d["activity_at_calibration_gbq"]), ""),
        fmt(num(&d["hours_to_treatment"]), ""),
        fmt(num(&d["decay_factor"]), ""),
        fmt(num(&d["activity_at_treatment_gbq"]), ""),
        fmt(num(&d["lung_shunt_activity_gbq"]), ""),
        fmt(num(&d["spheres_real"]).map(f64::round), ""),
        fmt(num(&d["activity_per_sphere_bq"]), ""),
        fmt(num(&d["real_per_simulated"]), ""),
        fmt(num(&d["in_territories_fraction"]).map(|x| 100.0 * x), ""),
        fmt(num(&d["other_outlets_fraction"]).map(|x| 100.0 * x), ""),
        fmt(num(&d["in_vessels_fraction"]).map(|x| 100.0 * x), ""),
        fmt(num(&d["in_transit_fraction"]).map(|x| 100.0 * x), ""),
        fmt(num(&d["not_released_fraction"]).map(|x| 100.0 * x), ""),
    );
    if let Some(ratio) = num(&d["tumour_to_normal_dose_ratio"]) {
        let _ = writeln!(
            r,
            "All tumours: {}; all normal tissue of the territories: {}; ratio {}.\n",
            fmt(num(&d["tumour_dose_gy"]), "Gy"),
            fmt(num(&d["normal_tissue_dose_gy"]), "Gy"),
            fmt(Some(ratio), "")
        );
    }
    let _ = writeln!(
        r,
        "| territory | mass | spheres (simulated / real) | activity | mean dose | tumour dose | normal-tissue dose |\n|---|---|---|---|---|---|---|"
    );
    for t in d["territories"].as_array().into_iter().flatten() {
        let _ = writeln!(
            r,
            "| {} | {} | {} / {} | {} | {} | {} | {} |",
            t["outlet"].as_str().unwrap_or("?"),
            fmt(num(&t["mass_kg"]), "kg"),
            t["spheres_simulated"],
            fmt(num(&t["spheres_real"]).map(f64::round), ""),
            fmt(num(&t["activity_gbq"]), "GBq"),
            fmt(num(&t["mean_dose_gy"]), "Gy"),
            fmt(num(&t["tumour_dose_gy"]), "Gy"),
            fmt(num(&t["normal_dose_gy"]), "Gy"),
        );
    }
    if d["dose_map"].is_object() {
        r += &dose_map_section(&d["dose_map"]);
    }
    r
}

/// The dose map's part of report.md: how it was made and each region's figures.
fn dose_map_section(m: &Value) -> String {
    let dims: Vec<String> = m["dims"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.to_string())
        .collect();
    let mut r = String::new();
    let _ = writeln!(
        r,
        "\n### Dose map (β transport)\n\n\
         dose.vti: {} voxels of {} mm, tissue of {} kg/m³{}; {}, out to {} mm ({}% of the decay energy). \
         Activity placed: {} in the territories' voxels, {} lodged in the vessels, {} lodged outside the map. \
         Dose-volume histograms: dvh.csv and below.\n\n\
         | region | mass | mean dose | D70 | D90 | V100 | max |\n|---|---|---|---|---|---|---|",
        dims.join(" x "),
        fmt(num(&m["voxel_m"]).map(|v| v * 1e3), ""),
        fmt(num(&m["density_kg_m3"]), ""),
        m["label_map"]
            .as_str()
            .map(|l| format!(", territories from {l}"))
            .unwrap_or_default(),
        m["kernel"].as_str().unwrap_or("?"),
        fmt(num(&m["kernel_radius_m"]).map(|v| v * 1e3), ""),
        fmt(num(&m["kernel_energy_fraction"]).map(|v| 100.0 * v), ""),
        fmt(num(&m["activity_in_territories_gbq"]), "GBq"),
        fmt(num(&m["activity_in_vessels_gbq"]), "GBq"),
        fmt(num(&m["activity_outside_map_gbq"]), "GBq"),
    );
    for g in m["regions"].as_array().into_iter().flatten() {
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {}% | {} |",
            g["region"].as_str().unwrap_or("?"),
            fmt(num(&g["mass_kg"]), "kg"),
            fmt(num(&g["mean_dose_gy"]), "Gy"),
            fmt(num(&g["d70_gy"]), "Gy"),
            fmt(num(&g["d90_gy"]), "Gy"),
            fmt(num(&g["v100"]).map(|v| 100.0 * v), ""),
            fmt(num(&g["max_dose_gy"]), "Gy"),
        );
    }
    r += "\n![dose-volume histogram](plots/dvh.png)\n";
    r
}

/// Writes DIR/report.md linking `plots` (paths inside DIR).
pub fn write_report(dir: &Path, summary: &Value, plots: &[PathBuf]) -> std::io::Result<PathBuf> {
    let s = summary;
    let mut r = String::new();
    let _ = writeln!(r, "# {}\n", s["scenario"].as_str().unwrap_or("embolus run"));
    let _ = writeln!(
        r,
        "Scenario file `{}`, embolus {}. Status: **{}** after {} of {} steps ({} s simulated){}.\n",
        s["scenario_file"].as_str().unwrap_or("?"),
        s["embolus_version"].as_str().unwrap_or("?"),
        s["status"].as_str().unwrap_or("?"),
        s["steps"],
        s["steps_planned"],
        fmt(num(&s["simulated_time_s"]), "").trim(),
        s["resumed_from_step"]
            .as_u64()
            .map(|k| format!(", resumed from step {k}"))
            .unwrap_or_default()
    );
    if let Some(d) = s["divergence"].as_object() {
        let _ = writeln!(
            r,
            "**Diverged** at step {} (t = {} s): {}\n",
            d["step"],
            fmt(num(&d["time_s"]), ""),
            d["likely_cause"].as_str().unwrap_or("")
        );
    }
    let _ = writeln!(r, "## Machine and performance\n");
    let a = &s["adapter"];
    let g = &s["grid"];
    let _ = writeln!(r, "| | |\n|---|---|");
    let _ = writeln!(
        r,
        "| adapter | {} ({}, {}) |",
        a["name"].as_str().unwrap_or("?"),
        a["backend"].as_str().unwrap_or("?"),
        a["device_type"].as_str().unwrap_or("?")
    );
    let _ = writeln!(
        r,
        "| grid | {} × {} × {} = {} cells, {} fluid |",
        g["nx"], g["ny"], g["nz"], g["cells"], g["fluid_cells"]
    );
    let _ = writeln!(
        r,
        "| precision, storage, collision | {}, {}, {} |",
        s["precision"].as_str().unwrap_or("?"),
        s["storage"].as_str().unwrap_or("dense"),
        s["collision"].as_str().unwrap_or("?")
    );
    let _ = writeln!(
        r,
        "| speed | {:.1} MLUPS (million lattice-cell updates per second, whole grid) |",
        num(&s["mlups"]).unwrap_or(f64::NAN)
    );
    let _ = writeln!(r, "| wall time | {} |\n", fmt(num(&s["wall_time_s"]), "s"));

    let _ = writeln!(r, "## Lattice units\n\n| quantity | value |\n|---|---|");
    let u = &s["units"];
    for (label, key, unit) in [
        ("voxel size dx", "dx_m", "m"),
        ("time step dt", "dt_s", "s"),
        ("density", "density_kg_m3", "kg/m^3"),
        ("kinematic viscosity", "viscosity_m2_s", "m^2/s"),
        ("relaxation time tau", "tau", ""),
        ("peak velocity", "peak_velocity_m_s", "m/s"),
        ("peak velocity (lattice)", "peak_velocity_lattice", ""),
        ("Mach number", "mach", ""),
        ("Reynolds number", "reynolds", ""),
        ("cells across", "cells_across", ""),
    ] {
        let _ = writeln!(r, "| {label} | {} |", fmt(num(&u[key]), unit));
    }
    let _ = writeln!(r, "\n## Key results (end of run)\n");
    if let Some(c) = s["last_cycle"].as_object() {
        let _ = writeln!(
            r,
            "Flows and pressures over the last full inflow cycle (cycle {}, t = {} to {} s, {} samples): mean, amplitude (half the peak-to-peak range), peak, and the phase of the fundamental (where in the cycle it peaks, 0-360°).\n",
            c["cycle"],
            fmt(num(&c["start_s"]), ""),
            fmt(num(&c["end_s"]), ""),
            c["samples"]
        );
    }
    let unsettled = unsettled_outlets(
        s["particles"]["baseline_change"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, c)| Some((name.as_str(), c.as_f64()?))),
    );
    if !unsettled.is_empty() {
        let _ = writeln!(
            r,
            "**Note:** the outlet flows were still changing when the injection began ({unsettled} over the last output interval before it): *flow / baseline* compares with a start-up transient. Start the injection later, after the inflow ramp and a few transit times.\n"
        );
    }
    let _ = writeln!(r, "| metric | value |\n|---|---|");
    for (name, v, unit) in key_metrics(s) {
        let _ = writeln!(r, "| {name} | {} |", fmt(v, unit));
    }
    if s["wall_shear"]["by_branch"]
        .as_array()
        .is_some_and(|b| !b.is_empty())
    {
        r += &branch_wall_shear_section(&s["wall_shear"]);
    }
    if s["dosimetry"].is_object() {
        r += &dosimetry_section(&s["dosimetry"]);
    }
    if !plots.is_empty() {
        let _ = writeln!(r, "\n## Plots\n");
        for p in plots {
            let rel = p.strip_prefix(dir).unwrap_or(p);
            let name = rel
                .file_stem()
                .map(|n| n.to_string_lossy().replace('_', " "))
                .unwrap_or_default();
            let _ = writeln!(r, "![{name}]({})\n", rel.display());
        }
    }
    let _ = writeln!(
        r,
        "## Files\n\n\
         - `metrics.csv`: one row per output interval, SI units in the headers.\n\
         - `summary.json`: everything above, machine-readable.\n\
         - `fields.pvd` ({} outputs): velocity, pressure, shear rate, viscosity, wall shear stress, TAWSS, OSI{} as VTK ImageData; open it in ParaView (File → Open, Apply), colour by a field, and use Glyph or Stream Tracer on the velocity. `centreline.vtp`: the centrelines from the inlet to each outlet with the lumen radius and arc length.\n\
         {}{}\
         - `checkpoint.bin`: continue with `embolus run --resume DIR` (when present).",
        s["field_outputs"],
        if s["particles"].is_object() {
            ", occlusion, particle concentration"
        } else {
            ""
        },
        if s["particles"].is_object() {
            "- `particles.pvd`: the particles as VTK PolyData (diameter, state, agent, id: the same particle has the same id in every output); open it with fields.pvd and show it as Point Gaussian.\n"
        } else {
            ""
        },
        if s["dosimetry"]["dose_map"].is_object() {
            "- `dose.vti`: absorbed dose [Gy], activity [Bq] and (with a label map) the labels per voxel as VTK ImageData; `dvh.csv`: each region's cumulative dose-volume histogram.\n"
        } else {
            ""
        }
    );
    let path = dir.join("report.md");
    std::fs::write(&path, r)?;
    Ok(path)
}

/// The comparison table of `embolus compare`: every key metric of every run, and
/// each run's difference from the first (absolute and relative).
pub fn comparison_table(labels: &[String], summaries: &[Value]) -> String {
    let mut names: Vec<(String, &'static str)> = Vec::new();
    let metrics: Vec<Vec<(String, Option<f64>, &'static str)>> =
        summaries.iter().map(key_metrics).collect();
    for m in &metrics {
        for (n, _, unit) in m {
            if !names.iter().any(|(x, _)| x == n) {
                names.push((n.clone(), unit));
            }
        }
    }
    let mut t = String::new();
    let _ = write!(t, "| metric | unit |");
    for l in labels {
        let _ = write!(t, " {l} |");
    }
    for l in labels.iter().skip(1) {
        let _ = write!(t, " {l} − {} |", labels[0]);
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "|{}", "---|".repeat(2 + 2 * labels.len() - 1));
    let value = |m: &[(String, Option<f64>, &str)], n: &str| {
        m.iter().find(|(x, _, _)| x == n).and_then(|(_, v, _)| *v)
    };
    for (n, unit) in &names {
        let _ = write!(t, "| {n} | {unit} |");
        let values: Vec<Option<f64>> = metrics.iter().map(|m| value(m, n)).collect();
        for v in &values {
            let _ = write!(t, " {} |", fmt(*v, ""));
        }
        for v in values.iter().skip(1) {
            let cell = match (values[0], v) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
                    let rel = if a != 0.0 {
                        format!(" ({:+.1}%)", 100.0 * (b - a) / a.abs())
                    } else {
                        String::new()
                    };
                    let d = b - a;
                    format!("{}{}{rel}", if d >= 0.0 { "+" } else { "" }, readable(d))
                }
                _ => "–".into(),
            };
            let _ = write!(t, " {cell} |");
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(
        t,
        "\n| run | adapter | grid cells | precision |\n|---|---|---|---|"
    );
    for (l, s) in labels.iter().zip(summaries) {
        let _ = writeln!(
            t,
            "| {l} | {} ({}) | {} | {} |",
            s["adapter"]["name"].as_str().unwrap_or("?"),
            s["adapter"]["backend"].as_str().unwrap_or("?"),
            s["grid"]["cells"],
            s["precision"].as_str().unwrap_or("?")
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_shows_differences_from_the_first_run() {
        let a = serde_json::json!({"mlups": 10.0, "wall_shear": {"mean_wss_pa": 2.0},
            "openings": [{"name": "out"}], "final_metrics": {"flow_m3_s": [1.0e-7], "pressure_pa": [5.0]}});
        let b = serde_json::json!({"mlups": 12.0, "wall_shear": {"mean_wss_pa": 2.5},
            "openings": [{"name": "out"}], "final_metrics": {"flow_m3_s": [1.5e-7], "pressure_pa": [5.0]}});
        let t = comparison_table(&["A".into(), "B".into()], &[a, b]);
        assert!(
            t.contains("| mean WSS | Pa | 2 | 2.5 | +0.5 (+25.0%) |"),
            "{t}"
        );
        assert!(t.contains("| out flow | m^3/s |"), "{t}");
        assert!(t.contains("+5.000e-8 (+50.0%)"), "{t}");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(readable(300.0), "300");
        assert_eq!(readable(128.15), "128.2");
        assert_eq!(readable(0.2), "0.2");
        assert_eq!(readable(1.5e-3), "0.0015");
        assert_eq!(readable(-2.4916), "-2.492");
        assert_eq!(readable(3.7e-8), "3.700e-8");
        assert_eq!(readable(123456.7), "1.235e5");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(f64::NAN), "NaN");
    }
}
