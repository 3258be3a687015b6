using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Yoi.Tests;

/// <summary>Options registered with <c>ValidateOnStart</c>, checked and read the way a host's start checks them.</summary>
internal static class StartValidation
{
    /// <summary>
    /// Registers the options with <paramref name="register"/> over <paramref name="settings"/>, runs the start validation
    /// (it throws <see cref="OptionsValidationException"/> naming every invalid setting), and returns the bound options.
    /// </summary>
    public static T Load<T>(Action<IServiceCollection> register, params (string Key, string Value)[] settings) where T : class
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        register(services);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }
}
