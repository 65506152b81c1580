namespace BiDoRA.Workbench.Components.Runs;

/// <summary>
/// The field errors of a New-run or New-sweep form, keyed by request field, phrased after the field's label. A
/// missing dataset is only reported once the user has tried to submit.
/// </summary>
public sealed class FormErrors
{
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    /// <summary>Whether the user has tried to submit the form.</summary>
    public bool Submitted { get; set; }

    public int Count => _errors.Count;

    public void Set(IReadOnlyDictionary<string, string[]> errors) => _errors = errors;

    public bool Has(string field) => _errors.ContainsKey(field) && (Submitted || field != "datasetId");

    public string? Of(string field) => Has(field) ? $"{RunSettings.Label(field)} {string.Join(" ", _errors[field])}" : null;

    /// <summary>Every error in one sentence, for the alert above the submit button.</summary>
    public string Summary => string.Join("; ", _errors.Select(e => $"{RunSettings.Label(e.Key)} {string.Join(" ", e.Value)}"));
}
