using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

namespace Yoi.Tests.RuntimeService;

/// <summary>
/// The built <c>Yoi.RuntimeService.dll</c> as a child process (<c>dotnet &lt;dll&gt;</c>) on a free loopback port,
/// configured through environment variables the way the AppHost does it. Start waits for <c>/health</c>;
/// <see cref="StopAsync"/> sends SIGTERM (graceful), <see cref="Kill"/> SIGKILL.
/// </summary>
public sealed class RuntimeServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RuntimeServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// Starts the service with these environment variables (e.g. <c>Runtime__Id</c>) and, unless told not to, waits for
    /// /health. <paramref name="project"/> picks another service binary started the same way (the Backend).
    /// </summary>
    public static async Task<RuntimeServiceProcess> StartAsync(IReadOnlyDictionary<string, string> environment, bool waitHealthy = true,
        int? port = null, string project = "Yoi.RuntimeService")
    {
        var dll = BuiltArtifacts.Assembly(project);
        var address = new Uri($"http://127.0.0.1:{port ?? RedisServerProcess.FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var service = new RuntimeServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitHealthy) await service.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    public HttpClient NewClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var client = NewClient(null);
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"The service exited with {_process.ExitCode}:{Environment.NewLine}{Output}");
            try
            {
                using var response = await client.GetAsync("/health");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the service to become healthy", timeout, () => Output);
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>SIGTERM, then waits for a graceful exit (SIGKILL after the timeout).</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        try
        {
            await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL: the process dies at once, mid-whatever.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
