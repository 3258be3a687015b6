using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Yoi.Client.Hosting;

public static class YoiClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="YoiClient"/> as a typed <see cref="HttpClient"/> (IHttpClientFactory manages its handlers)
    /// whose requests carry the API key through <see cref="ApiKeyHandler"/>:
    /// <c>services.AddYoiClient(o => { o.BaseAddress = new Uri("http://127.0.0.1:5080/"); o.ApiKey = key; })</c>.
    /// </summary>
    public static IHttpClientBuilder AddYoiClient(this IServiceCollection services, Action<YoiClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<YoiClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } u && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps),
                "YoiClientOptions.BaseAddress must be an absolute http or https URL.")
            .Validate(o => o.Timeout > TimeSpan.Zero, "YoiClientOptions.Timeout must be positive.");
        return services.AddHttpClient(nameof(YoiClient), (IServiceProvider provider, HttpClient http) =>
            {
                var options = provider.GetRequiredService<IOptions<YoiClientOptions>>().Value;
                var baseAddress = options.BaseAddress!.ToString();
                http.BaseAddress = new Uri(baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/");
                http.Timeout = options.Timeout;
            })
            .AddTypedClient((HttpClient http, IServiceProvider provider) =>
            {
                var options = provider.GetRequiredService<IOptions<YoiClientOptions>>().Value;
                return new YoiClient(http, options.ApiKey, keyOnRequests: false, options.Observer);
            })
            .AddHttpMessageHandler(provider => new ApiKeyHandler(provider.GetRequiredService<IOptions<YoiClientOptions>>().Value.ApiKey));
    }
}
