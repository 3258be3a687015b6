using System.Security.Cryptography;
using System.Text;
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
        var query = context.Request.Query["access_token"].ToString();
        return query.Length > 0 ? query : null;
    }
}
