using Microsoft.Extensions.Logging;

namespace Yoi.ServiceDefaults;

/// <summary>Forwards the host's ILogger calls to the OpenTelemetry SDK's logger factory (OTLP log export).</summary>
internal sealed class OpenTelemetryLoggerBridge(ILoggerFactory sdkLoggerFactory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => sdkLoggerFactory.CreateLogger(categoryName);

    // The SDK instance owns the factory and is disposed (flushed) with the service provider.
    public void Dispose() { }
}
