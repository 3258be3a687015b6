using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Yoi.Benchmarks;

/// <summary>A Yoi service (Runtime or Backend) started as a real child process from its built dll, killed on dispose.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly Queue<string> _lastLines = new();

    private ServiceProcess(string name, Process process, Uri url)
    {
        _name = name;
        _process = process;
        Url = url;
    }

    public Uri Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The dll path from the AssemblyMetadata the csproj writes (like Yoi.AppHost).</summary>
    public static string LocateDll(string project)
    {
        var path = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == project)?.Value ?? throw new InvalidOperationException($"no metadata for {project}");
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{project} is not built (expected {path}); build Yoi.Benchmarks -c Release.");
        return path;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Task<ServiceProcess> StartAsync(string name, string project, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout) => StartDllAsync(name, LocateDll(project), [], environment, timeout);

    /// <summary>Any dll that serves <c>/health</c> on ASPNETCORE_URLS (the Yoi services, the benchmark's floor-server mode).</summary>
    public static async Task<ServiceProcess> StartDllAsync(string name, string dll, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start.");
        var service = new ServiceProcess(name, process, url);
        process.OutputDataReceived += (_, e) => service.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => service.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {service.LastLines()}");
            try
            {
                using var response = await http.GetAsync("health");
                if (response.IsSuccessStatusCode) return service;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(100);
        }
        await service.DisposeAsync();
        throw new TimeoutException($"{name} did not answer /health within {timeout.TotalSeconds} s: {service.LastLines()}");
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    public string LastLines()
    {
        lock (_lastLines) return string.Join(Environment.NewLine, _lastLines);
    }

    /// <summary>VmRSS of the process, bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>
    /// Resident bytes by memory area (/proc/pid/smaps): named mappings by name (the JIT's code is <c>memfd:doublemapper</c>),
    /// and runs of adjacent anonymous mappings by their start address and total size, so the GC's reservation, malloc
    /// arenas and thread stacks each stay one stable key while pages inside them are committed.
    /// </summary>
    public Dictionary<string, long> ResidentBytesByArea()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        string? area = null;
        long runStart = -1, runEnd = -1;
        foreach (var line in File.ReadLines($"/proc/{Pid}/smaps"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            if (!parts[0].EndsWith(':'))
            {
                var range = parts[0].Split('-');
                var start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (parts.Length > 5) area = string.Join(' ', parts[5..]);
                else
                {
                    if (start != runEnd) runStart = start;
                    runEnd = end;
                    area = $"anonymous run at {runStart:x}";
                }
                if (parts.Length > 5) runEnd = -1;
            }
            else if (parts[0] == "Rss:" && area is not null)
                result[area] = result.GetValueOrDefault(area) + long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
        }
        return result;
    }

    /// <summary>User + system CPU time of the process so far (/proc/pid/stat, clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime() => CpuTimeOf(Pid);

    public static TimeSpan CpuTimeOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // after "pid (comm) ": state is field 3, utime field 14, stime field 15
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Selected /proc status lines (RssAnon, RssFile, RssShmem, Threads) for the report.</summary>
    public string StatusSummary() => string.Join(", ", File.ReadLines($"/proc/{Pid}/status")
        .Where(l => l.StartsWith("RssAnon:", StringComparison.Ordinal) || l.StartsWith("RssFile:", StringComparison.Ordinal) || l.StartsWith("RssShmem:", StringComparison.Ordinal) || l.StartsWith("Threads:", StringComparison.Ordinal))
        .Select(l => string.Join(' ', l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))));

    /// <summary>Established TCP connections of this process to <paramref name="remotePort"/> (from /proc: fd socket inodes x /proc/net/tcp).</summary>
    public int ConnectionsTo(int remotePort)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{Pid}/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        var count = 0;
        var portHex = remotePort.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 10) continue;
                // rem_address is HEXIP:PORT, st 01 = ESTABLISHED, inode is column 9
                if (parts[2].EndsWith(":" + portHex, StringComparison.Ordinal) && parts[3] == "01" && inodes.Contains(parts[9])) count++;
            }
        }
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"stopping {_name}: {ex.Message}");
        }
        _process.Dispose();
    }
}
