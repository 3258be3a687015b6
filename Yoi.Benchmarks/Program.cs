Console.WriteLine("Yoi.Benchmarks");
