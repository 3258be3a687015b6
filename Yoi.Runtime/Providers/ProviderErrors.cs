using System.ClientModel;
using System.Net.Http;
using System.Text.Json;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Turns what a chat client threw into a <see cref="ProviderException"/> whose message is safe to show: the HTTP status
/// where there is one, shortened, and never containing the provider's secret (the API key), even when echoed back.
/// </summary>
public static class ProviderErrors
{
    private const int MaxDetailChars = 300;

    public static ProviderException From(Exception exception, string? secret)
    {
        var message = exception switch
        {
            ClientResultException { Status: > 0 } http => $"The provider answered HTTP {http.Status}: {Detail(http.Message, secret)}",
            ClientResultException { InnerException: { } inner } => Describe(inner, secret),
            _ => Describe(exception, secret),
        };
        return new ProviderException(message, exception);
    }

    private static string Describe(Exception exception, string? secret) => exception switch
    {
        HttpRequestException { StatusCode: { } status } => $"The provider answered HTTP {(int)status}: {Detail(exception.Message, secret)}",
        HttpRequestException => $"The provider could not be reached: {Detail(exception.Message, secret)}",
        IOException => $"The connection to the provider failed mid-stream: {Detail(exception.Message, secret)}",
        JsonException => $"The provider sent a malformed response: {Detail(exception.Message, secret)}",
        _ => $"The provider failed: {Detail(exception.Message, secret)}",
    };

    /// <summary>One line, at most <see cref="MaxDetailChars"/> characters, with the secret replaced.</summary>
    public static string Detail(string text, string? secret)
    {
        if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "***", StringComparison.Ordinal);
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= MaxDetailChars ? text : text[..MaxDetailChars] + "...";
    }
}
