"""The public API is pinned: adding or removing a name is a deliberate change."""
import migration_kit


def test_exported_members():
    assert sorted(migration_kit.__all__) == sorted([
        "__version__", "CANONICAL_FIELDS", "Params", "load_params", "mask_phone", "mask_email", "mask_name",
        "mask_id", "mask_value", "keyed_hash", "MigrationKitError", "ParamsError", "InputError", "LinkageError",
        "ScopingError", "QualityGateError", "KeyMaterialError", "IntegrityError", "WorkbookError",
    ])
    for name in migration_kit.__all__:
        assert hasattr(migration_kit, name)


def test_error_tree():
    for name in ("ParamsError", "InputError", "LinkageError", "ScopingError", "QualityGateError",
                 "KeyMaterialError", "IntegrityError", "WorkbookError"):
        assert issubclass(getattr(migration_kit, name), migration_kit.MigrationKitError)
