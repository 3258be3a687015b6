using System.Globalization;
using Yoi.Benchmarks;

// dotnet run --project Yoi.Benchmarks -c Release -- xadd [--seconds N] [--redis host:port] [-n count] [--clients C]
// dotnet run --project Yoi.Benchmarks -c Release -- --smoke [--redis host:port]
var options = BenchmarkOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Yoi.Benchmarks xadd [--seconds N] [--redis host:port] [-n count] [--clients C] | --smoke [--redis host:port]");
    return 2;
}
try
{
    return options.Smoke ? await XaddBenchmark.SmokeAsync(options) : await XaddBenchmark.RunAsync(options);
}
catch (Exception ex)
{
    Console.Error.WriteLine($"benchmark failed: {ex}");
    return 1;
}

namespace Yoi.Benchmarks
{
    internal sealed record BenchmarkOptions(bool Smoke, string? Redis, int Seconds, int Count, int Clients, int Pipeline)
    {
        public static BenchmarkOptions? Parse(string[] args)
        {
            var smoke = false;
            string? redis = null;
            int seconds = 0, count = 200_000, clients = 50;
            var command = false;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "xadd": command = true; break;
                    case "--smoke": smoke = true; break;
                    case "--redis" when i + 1 < args.Length: redis = args[++i]; break;
                    case "--seconds" when i + 1 < args.Length: seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "-n" when i + 1 < args.Length: count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--clients" when i + 1 < args.Length: clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    default: return null;
                }
            }
            return smoke || command ? new BenchmarkOptions(smoke, redis, seconds, count, clients, 16) : null;
        }
    }
}
