using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Yoi.ServiceDefaults;

/// <summary>
/// Writes the one problem shape both services answer with (RFC 9457, <c>application/problem+json</c>):
/// <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, the stable <c>code</c>, <c>runtime_id</c> when known,
/// and the request's <c>trace_id</c>.
/// </summary>
public static class ProblemJson
{
    public const string ContentType = "application/problem+json";

    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string? detail,
        string? runtimeId = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("type", "about:blank");
        writer.WriteString("title", title);
        writer.WriteNumber("status", status);
        if (detail is not null) writer.WriteString("detail", detail);
        writer.WriteString("code", code);
        if (runtimeId is not null) writer.WriteString("runtime_id", runtimeId);
        writer.WriteString("trace_id", Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
