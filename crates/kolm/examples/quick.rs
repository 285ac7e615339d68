fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).unwrap();
    let t = std::time::Instant::now();
    let packed = kolm::mdc7::compress(&data).unwrap();
    let ct = t.elapsed();
    if args.len() > 2 {
        let golden = std::fs::read(&args[2]).unwrap();
        if golden != packed {
            let first = golden.iter().zip(&packed).position(|(a, b)| a != b);
            println!("MISMATCH len {} vs golden {} first diff {:?}", packed.len(), golden.len(), first);
        } else {
            println!("identical");
        }
    }
    let t = std::time::Instant::now();
    let back = kolm::mdc7::decompress(&packed).unwrap();
    let dt = t.elapsed();
    assert_eq!(back, data);
    println!(
        "{} -> {} bytes, {:.1} KB/s compress, {:.1} KB/s decompress",
        data.len(),
        packed.len(),
        data.len() as f64 / ct.as_secs_f64() / 1000.0,
        data.len() as f64 / dt.as_secs_f64() / 1000.0
    );
}
