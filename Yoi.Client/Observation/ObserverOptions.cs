using System.Net.WebSockets;

namespace Yoi.Client.Observation;

/// <summary>How an observer connects and reconnects.</summary>
public sealed class ObserverOptions
{
    /// <summary>Reconnect after a server-side close (1001, 1011, 4408) or a network error. Default true.</summary>
    public bool Reconnect { get; set; } = true;
    /// <summary>Consecutive failed connection attempts before giving up (the last error is thrown).</summary>
    public int MaxConnectAttempts { get; set; } = 10;
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Largest frame accepted from the server.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>Lets a caller configure each new socket (headers, proxy, keep-alive).</summary>
    public Action<ClientWebSocketOptions>? ConfigureSocket { get; set; }
}
