using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Yoi.ServiceDefaults;

/// <summary>
/// Where and how the service exports OTLP, read from the Aspire conventions <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>. An unset or empty endpoint means no export; anything else must be valid, or
/// <see cref="Read"/> throws <see cref="ServiceConfigurationException"/> naming the setting.
/// </summary>
public sealed record OtlpExportSettings(Uri Endpoint, OtlpExportProtocol Protocol)
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolSetting = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The export settings, or null when no endpoint is set. The protocol is checked even then.</summary>
    public static OtlpExportSettings? Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var protocol = ParseProtocol(configuration[ProtocolSetting]);
        var endpoint = configuration[EndpointSetting];
        if (string.IsNullOrWhiteSpace(endpoint)) return null;
        // The value is not echoed: an endpoint may carry credentials in its user info.
        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new ServiceConfigurationException(EndpointSetting,
                $"{EndpointSetting} must be an absolute http or https URI such as http://localhost:4317 (or unset to export nothing).");
        return new OtlpExportSettings(uri, protocol);
    }

    private static OtlpExportProtocol ParseProtocol(string? value) => value?.Trim() switch
    {
        null or "" or "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        _ => throw new ServiceConfigurationException(ProtocolSetting,
            $"{ProtocolSetting} must be 'grpc' or 'http/protobuf' (or unset for grpc), not '{value}'."),
    };
}
