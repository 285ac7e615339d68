//! The SVG plot: bits per byte against compression speed, one point per preset that finished
//! every file, kolm's Pareto frontier drawn as a line and the frontier of all tools dashed.
//! Speed runs on a log scale because the tools span four orders of magnitude.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::pareto;
use crate::record::Results;
use crate::report::{self, Summary};

const KOLM: RGBColor = RGBColor(200, 30, 40);
const PEER: RGBColor = RGBColor(40, 90, 170);
const FRONTIER: RGBColor = RGBColor(120, 120, 120);

/// The plot as SVG text, or `None` when no preset finished every file.
pub fn render(results: &Results) -> Option<String> {
    let summaries = report::complete(results);
    if summaries.is_empty() {
        return None;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 680)).into_drawing_area();
        draw(&root, results, &summaries).expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    Some(svg)
}

fn draw(root: &DrawingArea<SVGBackend, Shift>, results: &Results, summaries: &[Summary]) -> Result<(), String> {
    let error = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(error)?;
    let points: Vec<(f64, f64)> = summaries.iter().map(|s| (s.compress_mbps(), s.bpb())).collect();
    let (min_speed, max_speed) = bounds(points.iter().map(|p| p.0));
    let (min_bpb, max_bpb) = bounds(points.iter().map(|p| p.1));
    let bpb_margin = ((max_bpb - min_bpb) * 0.08).max(0.05);
    let title =
        format!("{}: size against compression speed ({}, {} cores)", results.name, results.date, results.machine.cores);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(
            ((min_speed / 2.0)..(max_speed * 2.0)).log_scale(),
            (min_bpb - bpb_margin).max(0.0)..(max_bpb + bpb_margin),
        )
        .map_err(error)?;
    chart
        .configure_mesh()
        .x_desc("compression speed, MB/s (log scale)")
        .y_desc("bits per byte (lower is better)")
        .x_label_formatter(&|speed| format_speed(*speed))
        .y_label_formatter(&|bpb| format!("{bpb:.2}"))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(error)?;

    let everyone: Vec<(f64, f64)> = pareto::frontier(&points).into_iter().map(|index| points[index]).collect();
    chart
        .draw_series(DashedLineSeries::new(everyone, 6, 4, FRONTIER.stroke_width(1)))
        .map_err(error)?
        .label("Pareto frontier, all tools")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], FRONTIER));

    let kolm_indices: Vec<usize> = (0..summaries.len()).filter(|&index| summaries[index].is_kolm).collect();
    let kolm_points: Vec<(f64, f64)> = kolm_indices.iter().map(|&index| points[index]).collect();
    let kolm_frontier: Vec<(f64, f64)> =
        pareto::frontier(&kolm_points).into_iter().map(|index| kolm_points[index]).collect();
    if !kolm_frontier.is_empty() {
        chart
            .draw_series(LineSeries::new(kolm_frontier, KOLM.stroke_width(2)))
            .map_err(error)?
            .label("kolm's Pareto frontier")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], KOLM.stroke_width(2)));
    }

    for (is_kolm, color, name) in [(false, PEER, "other tools"), (true, KOLM, "kolm")] {
        let group: Vec<(f64, f64)> = summaries
            .iter()
            .zip(&points)
            .filter(|(summary, _)| summary.is_kolm == is_kolm)
            .map(|(_, &point)| point)
            .collect();
        if group.is_empty() {
            continue;
        }
        chart
            .draw_series(group.iter().map(|&point| Circle::new(point, MARKER, color.filled())))
            .map_err(error)?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 10, y), MARKER, color.filled()));
    }

    // Labels go where they overlap nothing drawn so far, kolm's first.
    let pixels: Vec<(i32, i32)> = points.iter().map(|point| chart.backend_coord(point)).collect();
    let area = chart.plotting_area().get_pixel_range();
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by_key(|&index| (!summaries[index].is_kolm, pixels[index].0));
    let mut taken: Vec<Rect> = pixels.iter().map(|&(x, y)| Rect::around(x, y, MARKER + 1)).collect();
    for index in order {
        let summary = &summaries[index];
        let (x, y) = pixels[index];
        let width = (summary.label.chars().count() as f64 * LABEL_SIZE * 0.6).ceil() as i32;
        let height = LABEL_SIZE as i32 + 2;
        // Beside the point first, then further up or down, on the right, then on the left.
        let candidates =
            [-1, 0, -2, 1, -3, 2].into_iter().flat_map(|row| [(8, row * height + 1), (-width - 8, row * height + 1)]);
        let fits = |rect: &Rect| {
            rect.left >= area.0.start
                && rect.right <= area.0.end
                && rect.top >= area.1.start
                && rect.bottom <= area.1.end
        };
        let boxes: Vec<Rect> = candidates
            .map(|(dx, dy)| Rect { left: x + dx, top: y + dy, right: x + dx + width, bottom: y + dy + height })
            .collect();
        let chosen = boxes
            .iter()
            .find(|rect| fits(rect) && !taken.iter().any(|other| other.overlaps(rect)))
            .or_else(|| boxes.iter().find(|rect| fits(rect)))
            .unwrap_or(&boxes[0]);
        let color = if summary.is_kolm { KOLM } else { PEER };
        if chosen.top > y + height || chosen.bottom < y - height {
            // Far from its point: a leader line says whose label it is.
            let end_x = if chosen.left > x { chosen.left - 2 } else { chosen.right + 2 };
            let leader = PathElement::new(vec![(x, y), (end_x, (chosen.top + chosen.bottom) / 2)], color.mix(0.5));
            root.draw(&leader).map_err(error)?;
        }
        root.draw(&Text::new(
            summary.label.clone(),
            (chosen.left, chosen.top),
            ("sans-serif", LABEL_SIZE).into_font().color(&color),
        ))
        .map_err(error)?;
        taken.push(*chosen);
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(error)?;
    Ok(())
}

const MARKER: i32 = 5;
const LABEL_SIZE: f64 = 13.0;

/// A box in pixels, for keeping labels apart.
#[derive(Clone, Copy, Debug)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

impl Rect {
    fn around(x: i32, y: i32, radius: i32) -> Rect {
        Rect { left: x - radius, top: y - radius, right: x + radius, bottom: y + radius }
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right && other.left < self.right && self.top < other.bottom && other.top < self.bottom
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| (low.min(value), high.max(value)))
}

fn format_speed(speed: f64) -> String {
    if speed >= 1.0 { format!("{speed:.0}") } else { format!("{speed:.2}").trim_end_matches('0').to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::tests::sample;

    #[test]
    fn plots_complete_presets_with_axes_legend_and_frontier() {
        let svg = render(&sample()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for expected in [
            "compression speed, MB/s (log scale)",
            "bits per byte (lower is better)",
            "kolm&apos;s Pareto frontier",
            "Pareto frontier, all tools",
            "other tools",
            "kolm -5\n</text>",
            "xz -9e\n</text>",
        ] {
            assert!(svg.contains(expected), "missing {expected:?}");
        }
        // The preset that failed a file is no point on the plot.
        assert!(!svg.contains("broken\n</text>"));
    }

    #[test]
    fn nothing_to_plot_without_complete_presets() {
        let mut results = sample();
        results.records.retain(|record| record.file != "a.txt");
        results.records.iter_mut().for_each(|record| record.status = crate::record::Status::Failed);
        assert!(render(&results).is_none());
    }

    #[test]
    fn boxes_overlap_only_when_they_share_area() {
        let a = Rect { left: 0, top: 0, right: 10, bottom: 10 };
        assert!(a.overlaps(&Rect { left: 9, top: 9, right: 20, bottom: 20 }));
        assert!(!a.overlaps(&Rect { left: 10, top: 0, right: 20, bottom: 10 }));
        assert!(Rect::around(5, 5, 2).overlaps(&a));
    }

    #[test]
    fn speed_labels() {
        assert_eq!(format_speed(100.0), "100");
        assert_eq!(format_speed(0.5), "0.5");
        assert_eq!(format_speed(0.01), "0.01");
    }
}
