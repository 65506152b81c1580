namespace BiDoRA.Engine.Interop;

/// <summary>The Python lines that load an export (the model card shows them; README's "Use your model in Python" shows the same).</summary>
public static class PythonUsage
{
    public static string Peft(string baseModel, string folder, int labels) =>
        $$"""
        import torch
        from peft import PeftModel
        from transformers import AutoTokenizer, EsmForSequenceClassification

        base = EsmForSequenceClassification.from_pretrained("{{baseModel}}", num_labels={{labels}})
        model = PeftModel.from_pretrained(base, "{{folder}}").eval()
        tokenizer = AutoTokenizer.from_pretrained("{{baseModel}}")
        batch = tokenizer(["GLFDIVKKVVGALGSL", "KWKLFKKIEKVGQNIR"], padding=True, truncation=True, max_length=1024, return_tensors="pt")
        with torch.no_grad():
            logits = model(**batch).logits

        """;

    public static string Merged(string folder) =>
        $$"""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = AutoModelForSequenceClassification.from_pretrained("{{folder}}").eval()
        tokenizer = AutoTokenizer.from_pretrained("{{folder}}")
        batch = tokenizer(["GLFDIVKKVVGALGSL", "KWKLFKKIEKVGQNIR"], padding=True, truncation=True, max_length=1024, return_tensors="pt")
        with torch.no_grad():
            logits = model(**batch).logits

        """;
}
