using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Yoi.Benchmarks;

/// <summary>
/// EventPipe CPU sampling of another .NET process (Microsoft-DotNETCore-SampleProfiler, 1 ms) for a while, then the
/// methods most often on the stack of threads running managed code, exclusive (leaf) and inclusive.
/// </summary>
internal static class CpuProfile
{
    public static async Task<string> CollectAsync(int pid, TimeSpan duration, string path)
    {
        var client = new DiagnosticsClient(pid);
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-DotNETCore-SampleProfiler", EventLevel.Informational),
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational,
                (long)(ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.JittedMethodILToNativeMap)),
        };
        using (var session = client.StartEventPipeSession(providers, requestRundown: true, circularBufferMB: 256))
        {
            await using var file = File.Create(path);
            var copy = session.EventStream.CopyToAsync(file);
            await Task.Delay(duration);
            session.Stop();
            await copy;
        }
        var etlx = TraceLog.CreateFromEventPipeDataFile(path);
        using var log = new TraceLog(etlx);
        var exclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var inclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var samples = 0;
        var lockCallers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in log.Events)
        {
            if (e.ProviderName != "Microsoft-DotNETCore-SampleProfiler" || e.EventName?.Contains("Sample", StringComparison.Ordinal) != true) continue;
            // payload: 2 = running managed code, 1 = external (in native code: waits, syscalls)
            if (e.PayloadNames.Length > 0 && Convert.ToInt32(e.PayloadValue(0), System.Globalization.CultureInfo.InvariantCulture) != 2) continue;
            var stack = e.CallStack();
            if (stack is null) continue;
            samples++;
            if (stack.CodeAddress.FullMethodName?.Contains("Monitor.Enter", StringComparison.Ordinal) == true
                || stack.CodeAddress.FullMethodName?.Contains("PollGC", StringComparison.Ordinal) == true)
            {
                var chain = new List<string>();
                for (var f = stack.Caller; f is not null && chain.Count < 5; f = f.Caller)
                {
                    var n = f.CodeAddress.FullMethodName ?? "?";
                    if (n.StartsWith("System.Threading.Monitor", StringComparison.Ordinal) || n.StartsWith("System.Threading.Thread.", StringComparison.Ordinal)) continue;
                    chain.Add(Trim(n).Split('(')[0]);
                }
                var key = stack.CodeAddress.FullMethodName!.Split('(')[0] + " <- " + string.Join(" <- ", chain);
                lockCallers[key] = lockCallers.GetValueOrDefault(key) + 1;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var leaf = true;
            for (var frame = stack; frame is not null; frame = frame.Caller)
            {
                var name = frame.CodeAddress.FullMethodName;
                if (string.IsNullOrEmpty(name)) name = frame.CodeAddress.ModuleName + "!?";
                if (leaf) exclusive[name] = exclusive.GetValueOrDefault(name) + 1;
                leaf = false;
                if (seen.Add(name)) inclusive[name] = inclusive.GetValueOrDefault(name) + 1;
            }
        }
        var report = new System.Text.StringBuilder();
        report.AppendLine($"{samples} samples of threads running managed code over {duration.TotalSeconds:0} s");
        report.AppendLine("exclusive (leaf):");
        foreach (var (name, count) in exclusive.OrderByDescending(kv => kv.Value).Take(25))
            report.AppendLine($"  {count,6} {100.0 * count / Math.Max(1, samples),5:0.0}%  {Trim(name)}");
        report.AppendLine("callers of Monitor.Enter / PollGC leaves:");
        foreach (var (name, count) in lockCallers.OrderByDescending(kv => kv.Value).Take(10))
            report.AppendLine($"  {count,6}  {name}");
        report.AppendLine("inclusive:");
        foreach (var (name, count) in inclusive.OrderByDescending(kv => kv.Value).Take(45))
            report.AppendLine($"  {count,6} {100.0 * count / Math.Max(1, samples),5:0.0}%  {Trim(name)}");
        return report.ToString();
    }

    private static string Trim(string name) => name.Length > 160 ? name[..160] : name;
}
