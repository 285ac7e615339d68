//! The Pareto frontier of a set of (speed, size) points: the settings nothing else beats on
//! both counts at once. A tool whose points sit on the frontier is the right choice at some
//! speed; one below it never is.

/// Indices of the points that no other point dominates (at least as fast **and** at least as
/// small, better in one), ordered from slowest to fastest. `points` are (speed, bits per byte):
/// higher speed and lower bits per byte are better. Of identical points only the first counts.
pub fn frontier(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    // Fastest first; among equally fast, smallest first, then earliest.
    order.sort_by(|&a, &b| {
        points[b].0.total_cmp(&points[a].0).then(points[a].1.total_cmp(&points[b].1)).then(a.cmp(&b))
    });
    let mut best_size = f64::INFINITY;
    let mut kept = Vec::new();
    for index in order {
        if points[index].1 < best_size {
            best_size = points[index].1;
            kept.push(index);
        }
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::frontier;

    #[test]
    fn keeps_only_undominated_points_slowest_first() {
        let points = [(1.0, 2.0), (10.0, 3.0), (5.0, 2.5), (5.0, 2.9), (0.5, 2.1), (100.0, 4.0), (0.1, 1.5)];
        assert_eq!(frontier(&points), [6, 0, 2, 1, 5]);
    }

    #[test]
    fn ties_and_edge_cases() {
        assert!(frontier(&[]).is_empty());
        assert_eq!(frontier(&[(1.0, 1.0)]), [0]);
        // Same speed: only the smaller counts. Same size: only the faster. Duplicates: the first.
        assert_eq!(frontier(&[(2.0, 3.0), (2.0, 2.0)]), [1]);
        assert_eq!(frontier(&[(1.0, 2.0), (3.0, 2.0)]), [1]);
        assert_eq!(frontier(&[(1.0, 2.0), (1.0, 2.0)]), [0]);
    }
}
