using Microsoft.Extensions.Options;

namespace AgentBus.Hosting;

/// <summary>Reports bad <see cref="AgentBusOptions"/> as an options validation failure, at host start.</summary>
internal sealed class AgentBusOptionsValidator : IValidateOptions<AgentBusOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentBusOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
