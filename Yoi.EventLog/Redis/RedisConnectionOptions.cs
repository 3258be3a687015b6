using System.Globalization;
using System.Text;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// Where and how to connect, parsed from the StackExchange.Redis connection string format Aspire injects
/// (<c>ConnectionStrings__redis</c>): <c>host:port[,host2:port2][,password=][,user=][,ssl=true][,defaultDatabase=N]
/// [,connectTimeout=ms][,syncTimeout=ms][,name=][,abortConnect=false]</c>. The first endpoint is used; unknown
/// keys are ignored. <see cref="ToString"/> never prints the password.
/// </summary>
public sealed class RedisConnectionOptions
{
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 6379;
    public string? User { get; set; }
    public string? Password { get; set; }
    public bool Ssl { get; set; }
    /// <summary>Server name checked against the TLS certificate; <see cref="Host"/> when null.</summary>
    public string? SslHost { get; set; }
    /// <summary>
    /// Checks the server's TLS certificate instead of the system trust store (for example a private CA);
    /// set in code, never from the connection string.
    /// </summary>
    public System.Net.Security.RemoteCertificateValidationCallback? CertificateValidation { get; set; }
    public int? DefaultDatabase { get; set; }
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a command waits for its reply (and for a reconnect) before it fails.</summary>
    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Sent as <c>CLIENT SETNAME</c>.</summary>
    public string? ClientName { get; set; }
    /// <summary>When false, a failed first connect does not throw: the client keeps reconnecting in the background.</summary>
    public bool AbortConnect { get; set; } = true;
    /// <summary>A reply (bulk string or aggregate) larger than this is a protocol error.</summary>
    public long MaxReplySize { get; set; } = RespParser.DefaultMaxReplySize;
    /// <summary>Upper bound of the exponential reconnect backoff.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How many idle dedicated connections for blocking reads are kept for reuse.</summary>
    public int BlockingPoolSize { get; set; } = 4;

    public static RedisConnectionOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var options = new RedisConnectionOptions();
        var sawEndpoint = false;
        foreach (var raw in connectionString.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                if (!sawEndpoint) (options.Host, options.Port) = ParseEndpoint(part);
                sawEndpoint = true;
                continue;
            }
            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "password": options.Password = value.Length == 0 ? null : value; break;
                case "user": options.User = value.Length == 0 ? null : value; break;
                case "ssl": options.Ssl = ParseBool(key, value); break;
                case "sslhost": options.SslHost = value; break;
                case "defaultdatabase": options.DefaultDatabase = ParseInt(key, value, 0); break;
                case "connecttimeout": options.ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value, 1)); break;
                case "synctimeout": options.SyncTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value, 1)); break;
                case "name": options.ClientName = value.Length == 0 ? null : value; break;
                case "abortconnect": options.AbortConnect = ParseBool(key, value); break;
            }
        }
        if (!sawEndpoint) throw new FormatException("Redis connection string has no endpoint (host:port).");
        return options;
    }

    private static (string Host, int Port) ParseEndpoint(string text)
    {
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"Invalid Redis endpoint '{text}'.");
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') throw new FormatException($"Invalid Redis endpoint '{text}'.");
                port = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            port = colon < 0 ? null : text[(colon + 1)..];
        }
        if (host.Length == 0) throw new FormatException($"Invalid Redis endpoint '{text}': the host is empty.");
        if (port is null) return (host, 6379);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            throw new FormatException($"Invalid Redis endpoint '{text}': the port must be 1-65535.");
        return (host, p);
    }

    private static bool ParseBool(string key, string value) =>
        bool.TryParse(value, out var b) ? b : throw new FormatException($"Redis connection string key '{key}' must be true or false, not '{value}'.");

    private static int ParseInt(string key, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new FormatException($"Redis connection string key '{key}' must be an integer >= {min}, not '{value}'.");

    /// <summary>The connection string without the password.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Host.Contains(':') ? $"[{Host}]" : Host).Append(':').Append(Port.ToString(CultureInfo.InvariantCulture));
        if (User is not null) text.Append(",user=").Append(User);
        if (Ssl) text.Append(",ssl=true");
        if (SslHost is not null) text.Append(",sslHost=").Append(SslHost);
        if (DefaultDatabase is { } db) text.Append(",defaultDatabase=").Append(db.ToString(CultureInfo.InvariantCulture));
        text.Append(",connectTimeout=").Append(((long)ConnectTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        text.Append(",syncTimeout=").Append(((long)SyncTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        if (ClientName is not null) text.Append(",name=").Append(ClientName);
        if (!AbortConnect) text.Append(",abortConnect=false");
        return text.ToString();
    }
}
