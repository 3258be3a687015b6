using Yoi.AppHost.Processes;

namespace Yoi.AppHost.Topology;

internal static class HealthWaiter
{
    /// <summary>Polls <c>{baseUrl}/health</c> until it answers 200, the process exits, or the timeout passes.</summary>
    public static async Task WaitHealthyAsync(HttpClient http, ChildProcess process, string baseUrl, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited before it was healthy; see its lines above.");
            try
            {
                using var response = await http.GetAsync($"{baseUrl}/health", cancellationToken);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{process.Name} did not answer /health within {timeout.TotalSeconds:0} s.");
            await Task.Delay(100, cancellationToken);
        }
    }
}
