using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;

namespace Yoi.BackendService.Api;

/// <summary>
/// The OpenAPI schemas of the wire types whose JSON is written by hand rather than by their properties
/// (docs/protocol.md): cursors are strings, a worker event is <c>{"event", "data"}</c>, and an event frame carries
/// <c>kind</c> and the stored payload, not the parsed copy a client keeps beside it.
/// </summary>
public static class OpenApiWireSchemas
{
    public static void Configure(OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        var type = context.JsonTypeInfo.Type;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(StreamCursor)) Text(schema, "^[0-9]{1,20}-[0-9]{1,20}$", "A stream cursor, <ms>-<seq>.");
        else if (type == typeof(WorkerListCursor)) Text(schema, "^[0-9]{1,19}\\.[A-Za-z0-9_-]{1,64}$", "A worker-list cursor: the next_cursor of a page.");
        else if (type == typeof(WorkerEvent)) Event(schema);
        else if (type == typeof(EventFrame) && schema.Properties is { } properties)
        {
            properties.Remove("raw_payload");
            schema.Required?.Remove("raw_payload");
            properties["kind"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(FrameKinds.Event)] };
            schema.Required?.Add("kind");
        }
        return Task.CompletedTask;
    });

    private static void Text(OpenApiSchema schema, string pattern, string description)
    {
        schema.Type = JsonSchemaType.String;
        schema.Format = null;
        schema.Properties = null;
        schema.Required = null;
        schema.Pattern = pattern;
        schema.Description = description;
    }

    private static void Event(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.Object;
        // No enum of kinds: a reader keeps kinds it does not know (docs/protocol.md lists the current ones).
        schema.Description = "A worker event: its kind and its snake_case fields.";
        schema.Required = new HashSet<string> { "event", "data" };
        schema.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["event"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object },
        };
    }
}
