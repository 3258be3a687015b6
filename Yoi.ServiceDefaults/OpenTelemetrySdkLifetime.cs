using Microsoft.Extensions.Hosting;
using OpenTelemetry;

namespace Yoi.ServiceDefaults;

/// <summary>Disposes (flushes and detaches) the OpenTelemetry SDK when the host is disposed.</summary>
internal sealed class OpenTelemetrySdkLifetime(OpenTelemetrySdk sdk) : IHostedService, IDisposable
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public void Dispose() => sdk.Dispose();
}
