using Yoi.Client.Observation;

namespace Yoi.Client.Hosting;

/// <summary>Where the Backend is and which key to present (<see cref="YoiClientServiceCollectionExtensions.AddYoiClient"/>).</summary>
public sealed class YoiClientOptions
{
    /// <summary>The Backend's base address, for example <c>http://127.0.0.1:5080/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }
    /// <summary>An API key (sent as <c>Authorization: Bearer</c>); null for a Backend without keys.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Per-request timeout of REST calls (observation WebSockets are not bounded by it).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Defaults for the observers the client creates.</summary>
    public ObserverOptions Observer { get; set; } = new();
}
