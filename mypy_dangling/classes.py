"""mypy's node and type classes (and two other names of mypy's), as constants for the code
that runs on every node.

Compiled with mypyc (``setup.py``), a module reads a name it imported from mypy from its
globals dictionary at each use (about 140 instructions), while a ``Final`` name of the
compiled modules is kept in a C variable.  The walks and hooks that look at every
statement, expression, callee or type test classes through these constants:
``type(node) is CALL_EXPR`` is a pointer comparison once compiled.  mypy narrows on them
as on the classes.  An exact-type test is used only for a class mypy does not subclass
(all the concrete nodes and types named here but ``TYPE_INFO``, whose subclass is the
``FakeInfo`` of ``FUNC_NO_INFO``).

Annotations keep naming the classes themselves.
"""

from __future__ import annotations

from typing import Final, overload

from mypy import nodes, types
from mypy.server.subexpr import get_subexpressions

# -- statements ----------------------------------------------------------------------------
ASSIGNMENT_STMT: Final = nodes.AssignmentStmt
BLOCK: Final = nodes.Block
CLASS_DEF: Final = nodes.ClassDef
DECORATOR: Final = nodes.Decorator
DEL_STMT: Final = nodes.DelStmt
EXPRESSION_STMT: Final = nodes.ExpressionStmt
FOR_STMT: Final = nodes.ForStmt
FUNC_DEF: Final = nodes.FuncDef
GLOBAL_DECL: Final = nodes.GlobalDecl
IF_STMT: Final = nodes.IfStmt
IMPORT: Final = nodes.Import
IMPORT_FROM: Final = nodes.ImportFrom
MATCH_STMT: Final = nodes.MatchStmt
NONLOCAL_DECL: Final = nodes.NonlocalDecl
OPERATOR_ASSIGNMENT_STMT: Final = nodes.OperatorAssignmentStmt
OVERLOADED_FUNC_DEF: Final = nodes.OverloadedFuncDef
PASS_STMT: Final = nodes.PassStmt
RAISE_STMT: Final = nodes.RaiseStmt
RETURN_STMT: Final = nodes.ReturnStmt
TRY_STMT: Final = nodes.TryStmt
WHILE_STMT: Final = nodes.WhileStmt
WITH_STMT: Final = nodes.WithStmt

# -- expressions ---------------------------------------------------------------------------
ASSERT_TYPE_EXPR: Final = nodes.AssertTypeExpr
ASSIGNMENT_EXPR: Final = nodes.AssignmentExpr
CALL_EXPR: Final = nodes.CallExpr
CAST_EXPR: Final = nodes.CastExpr
CONDITIONAL_EXPR: Final = nodes.ConditionalExpr
ELLIPSIS_EXPR: Final = nodes.EllipsisExpr
INDEX_EXPR: Final = nodes.IndexExpr
LAMBDA_EXPR: Final = nodes.LambdaExpr
LIST_EXPR: Final = nodes.ListExpr
MEMBER_EXPR: Final = nodes.MemberExpr
NAME_EXPR: Final = nodes.NameExpr
OP_EXPR: Final = nodes.OpExpr
STAR_EXPR: Final = nodes.StarExpr
STR_EXPR: Final = nodes.StrExpr
SUPER_EXPR: Final = nodes.SuperExpr
TUPLE_EXPR: Final = nodes.TupleExpr
#: Literal expressions: their value is no task.
LITERAL_TYPES: Final = frozenset(
    {
        nodes.IntExpr,
        nodes.StrExpr,
        nodes.BytesExpr,
        nodes.FloatExpr,
        nodes.ComplexExpr,
        nodes.EllipsisExpr,
    }
)

# -- symbols -------------------------------------------------------------------------------
#: The ``info`` of a function outside a class.
FUNC_NO_INFO: Final = nodes.FUNC_NO_INFO
MYPY_FILE: Final = nodes.MypyFile
TYPE_INFO: Final = nodes.TypeInfo
VAR: Final = nodes.Var

# -- types ---------------------------------------------------------------------------------
ANY_TYPE: Final = types.AnyType
CALLABLE_TYPE: Final = types.CallableType
INSTANCE: Final = types.Instance
LITERAL_TYPE: Final = types.LiteralType
NONE_TYPE: Final = types.NoneType
OVERLOADED: Final = types.Overloaded
TYPE_ALIAS_TYPE: Final = types.TypeAliasType
TYPE_GUARDED_TYPE: Final = types.TypeGuardedType
TYPE_TYPE: Final = types.TypeType
TYPE_VAR_TYPE: Final = types.TypeVarType
UNION_TYPE: Final = types.UnionType
#: The types :func:`proper` looks through (any other type is proper already).
WRAPPING_TYPES: Final = frozenset({types.TypeAliasType, types.TypeGuardedType})
#: The types of a callable (mypy does not subclass them).
CALLABLE_TYPES: Final = frozenset({types.CallableType, types.Overloaded})


#: mypy's ``get_subexpressions`` (every expression under a node), for the same reason.
subexpressions: Final = get_subexpressions


@overload
def proper(typ: None) -> None: ...
@overload
def proper(typ: types.Type) -> types.ProperType: ...
def proper(typ: types.Type | None) -> types.ProperType | None:
    """``mypy.types.get_proper_type``, without a call into mypy for a type that is proper
    already (almost all of them)."""
    kind = type(typ)
    if kind is TYPE_ALIAS_TYPE or kind is TYPE_GUARDED_TYPE:
        return types.get_proper_type(typ)
    return typ  # type: ignore[return-value]
