using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Yoi.Protocol.Api;
using Yoi.Runtime.Workers;

namespace Yoi.RuntimeService.Http;

/// <summary>Reads a JSON request body: malformed JSON, wrong types or a wrong content type are 400 <c>invalid_request</c>.</summary>
public static class JsonBody
{
    /// <summary>The body as <typeparamref name="T"/>; null when the body is empty and <paramref name="optional"/>.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, bool optional) where T : class
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
            return optional ? null : throw Invalid("A JSON body is required.");
        if (request.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw Invalid("The body must be application/json.");
        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo)
                ?? (optional ? null : throw Invalid("The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw Invalid($"The body is not valid JSON for this request: {ex.Message}");
        }
    }

    private static WorkerCommandException Invalid(string message) => new(ApiErrorCodes.InvalidRequest, message);
}
