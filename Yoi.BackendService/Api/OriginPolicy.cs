using System.Net;
using Yoi.BackendService.Registry;

namespace Yoi.BackendService.Api;

/// <summary>
/// Which web pages may use this Backend from a browser (docs/security.md): a request's <c>Origin</c> is allowed when it
/// is the Backend's own origin (the request's <c>Host</c>), one of <c>Backend:AllowedOrigins</c>, or, while that list is
/// empty (the local default), a loopback origin. A request without <c>Origin</c> is not from a page of another site
/// unless its <c>Sec-Fetch-Site</c> says <c>cross-site</c>; non-browser clients send neither.
/// </summary>
public sealed class OriginPolicy
{
    private readonly bool _any;
    private readonly HashSet<string> _origins = new(StringComparer.Ordinal);

    public OriginPolicy(BackendOptions options)
    {
        foreach (var entry in options.AllowedOrigins)
        {
            if (entry == "*") _any = true;
            else if (TryParseOrigin(entry, out var origin)) _origins.Add(Key(origin));
        }
        LoopbackByDefault = _origins.Count == 0 && !_any;
    }

    /// <summary>No origin is configured: loopback origins are allowed.</summary>
    public bool LoopbackByDefault { get; }

    public bool IsAllowed(HttpRequest request)
    {
        var header = request.Headers.Origin;
        if (header.Count == 0)
            return !string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase);
        if (header.Count != 1 || !TryParseOrigin(header.ToString(), out var origin)) return false; // "null", junk, several
        if (_any || _origins.Contains(Key(origin))) return true;
        if (IsOwnOrigin(origin, request.Host)) return true;
        return LoopbackByDefault && IsLoopbackHost(origin.Host);
    }

    /// <summary>An origin: an absolute http(s) URI with nothing after the authority.</summary>
    public static bool TryParseOrigin(string text, out Uri origin)
    {
        origin = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return false;
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0) return false;
        origin = uri;
        return true;
    }

    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static bool IsOwnOrigin(Uri origin, HostString host) =>
        host.HasValue
        && string.Equals(origin.Host.Trim('[', ']'), host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
        && origin.Port == (host.Port ?? (origin.Scheme == "https" ? 443 : 80));

    private static string Key(Uri origin) => $"{origin.Scheme}://{origin.Host.ToLowerInvariant()}:{origin.Port}";
}
