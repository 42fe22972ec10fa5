//! Replicates: a sweep axis over a seed (a key ending in `seed`, e.g.
//! `particles.seed`) repeats each point with other random particles. sweep_stats.csv
//! gives, per combination of the other keys, the number of completed runs and each
//! metric's mean and sample standard deviation over them: the spread of a particle
//! split or a tumour dose that comes from the particles' randomness alone.

use super::collect::SweepTable;
use crate::io::report::readable;

/// The index of the seed key, when the sweep has one.
pub fn seed_axis(table: &SweepTable) -> Option<usize> {
    table
        .keys
        .iter()
        .position(|k| k.rsplit('.').next() == Some("seed"))
}

/// Mean and sample standard deviation (n − 1; 0 for one value) of the finite values.
fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some((mean, sd))
}

/// Completed rows grouped by the values of the keys other than the seed, in the
/// order first met: (those keys' indices, [(their values, the rows)]).
type Groups<'a> = (Vec<usize>, Vec<(Vec<&'a str>, Vec<usize>)>);

fn groups(table: &SweepTable) -> Option<Groups<'_>> {
    let seed = seed_axis(table)?;
    let others: Vec<usize> = (0..table.keys.len()).filter(|&k| k != seed).collect();
    let mut groups: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        if row.status != "completed" {
            continue;
        }
        let id: Vec<&str> = others.iter().map(|&k| row.values[k].as_str()).collect();
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, rows)) => rows.push(r),
            None => groups.push((id, vec![r])),
        }
    }
    Some((others, groups))
}

/// Metric `m`'s mean and SD over `rows`.
fn metric_stats(table: &SweepTable, rows: &[usize], m: usize) -> Option<(f64, f64)> {
    let values: Vec<f64> = rows
        .iter()
        .filter_map(|&r| table.rows[r].metrics[m])
        .collect();
    mean_sd(&values)
}

/// sweep_stats.md text, or `None` without a seed axis: per combination of the other
/// keys, every metric as mean ± SD over the seeds.
pub fn stats_markdown(table: &SweepTable) -> Option<String> {
    let (others, groups) = groups(table)?;
    let mut text = String::from(
        "# Spread over the seeds\n\nPer combination of the other keys: each metric's mean ± sample \
         standard deviation over the completed runs with different seeds (sweep_stats.csv holds \
         the same at full precision).\n",
    );
    for (id, rows) in &groups {
        let point: Vec<String> = others
            .iter()
            .zip(id)
            .map(|(&k, v)| format!("{} = {}", table.keys[k], v.trim_matches('"')))
            .collect();
        let title = if point.is_empty() {
            "All runs".to_string()
        } else {
            point.join(", ")
        };
        text += &format!(
            "\n## {title} ({} runs)\n\n| metric | mean ± SD |\n|---|---|\n",
            rows.len()
        );
        for (m, (name, unit)) in table.metrics.iter().enumerate() {
            if let Some((mean, sd)) = metric_stats(table, rows, m) {
                let (mean, sd) = (readable(mean), readable(sd));
                text += &format!("| {name} | {mean} ± {sd} {unit} |\n");
            }
        }
    }
    Some(text)
}

/// sweep_stats.csv text, or `None` without a seed axis.
pub fn stats_csv(table: &SweepTable) -> Option<String> {
    let (others, groups) = groups(table)?;
    let unit = |u: &str| {
        if u.is_empty() {
            "-".to_string()
        } else {
            u.to_string()
        }
    };
    let mut header: Vec<String> = others.iter().map(|&k| table.keys[k].clone()).collect();
    header.push("runs".into());
    for (name, u) in &table.metrics {
        header.push(format!("{name} mean [{}]", unit(u)));
        header.push(format!("{name} sd [{}]", unit(u)));
    }
    let quote = super::collect::csv_field;
    let mut text = header
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for (id, rows) in &groups {
        let mut cells: Vec<String> = id.iter().map(|v| v.trim_matches('"').to_string()).collect();
        cells.push(rows.len().to_string());
        for m in 0..table.metrics.len() {
            match metric_stats(table, rows, m) {
                Some((mean, sd)) => cells.extend([format!("{mean:e}"), format!("{sd:e}")]),
                None => cells.extend([String::new(), String::new()]),
            }
        }
        text += &(cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\n");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::collect::SweepRow;

    #[test]
    fn each_point_gets_the_mean_and_spread_over_its_seeds() {
        let row = |d: &str, seed: &str, dose: f64, status: &str| SweepRow {
            point: format!("{d}-{seed}"),
            status: status.into(),
            values: vec![d.into(), seed.into()],
            metrics: vec![Some(dose)],
        };
        let table = SweepTable {
            keys: vec![
                "agents.bead.diameter.diameter".into(),
                "particles.seed".into(),
            ],
            metrics: vec![("tumour dose".into(), "Gy")],
            rows: vec![
                row("3e-4", "1", 100.0, "completed"),
                row("3e-4", "2", 110.0, "completed"),
                row("3e-4", "3", 120.0, "completed"),
                row("5e-4", "1", 50.0, "completed"),
                row("5e-4", "2", 999.0, "diverged"),
            ],
        };
        assert_eq!(seed_axis(&table), Some(1));
        let csv = stats_csv(&table).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "agents.bead.diameter.diameter,runs,tumour dose mean [Gy],tumour dose sd [Gy]"
        );
        // 100, 110, 120: mean 110, sample SD 10; a lone completed run: SD 0.
        assert_eq!(lines[1], "3e-4,3,1.1e2,1e1");
        assert_eq!(lines[2], "5e-4,1,5e1,0e0");
        let md = stats_markdown(&table).unwrap();
        let no_seed = SweepTable {
            keys: vec!["a".into(), "b".into()],
            ..table
        };
        assert!(
            md.contains("## agents.bead.diameter.diameter = 3e-4 (3 runs)")
                && md.contains("| tumour dose | 110 ± 10 Gy |")
                && md.contains(
                    "(1 runs)\n\n| metric | mean ± SD |\n|---|---|\n| tumour dose | 50 ± 0 Gy |"
                ),
            "{md}"
        );
        assert!(stats_csv(&no_seed).is_none() && stats_markdown(&no_seed).is_none());
    }
}
