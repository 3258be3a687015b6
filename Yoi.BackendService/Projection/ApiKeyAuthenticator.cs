using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Yoi.BackendService.Registry;

namespace Yoi.BackendService.Projection;

/// <summary>
/// Maps the presented API key (<c>Authorization: Bearer</c>, or <c>?access_token=</c> for browser WebSockets) to a
/// role from <c>Backend:ApiKeys</c>. With no key configured every caller is <see cref="ClientIdentity.Open"/>.
/// Keys are compared in constant time.
/// </summary>
public sealed class ApiKeyAuthenticator(IReadOnlyList<ApiKeyOptions> keys)
{
    private readonly (byte[] Key, ClientIdentity Identity)[] _keys =
        keys.Select(k => (Encoding.UTF8.GetBytes(k.Key!), new ClientIdentity(k.Role!, true))).ToArray();

    public bool Open => _keys.Length == 0;

    /// <summary>The caller's identity, or null when keys are configured and the request carries none that matches.</summary>
    public ClientIdentity? Authenticate(HttpContext context)
    {
        if (Open) return ClientIdentity.Open;
        var presented = PresentedKey(context);
        if (presented is null) return null;
        var bytes = Encoding.UTF8.GetBytes(presented);
        foreach (var (key, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, bytes)) return identity;
        }
        return null;
    }

    private static string? PresentedKey(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        // Parsed here rather than through Request.Query, whose parsed copy (the key among it) would stay with a
        // WebSocket for its whole life.
        var query = QueryHelpers.ParseNullableQuery(context.Request.QueryString.Value);
        var token = query is not null && query.TryGetValue("access_token", out var values) ? values.ToString() : "";
        return token.Length > 0 ? token : null;
    }
}
