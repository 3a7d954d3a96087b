"""The types of what is stored, as pymongo hands it over: a document is a
dict (the client's default document class), a database and its collections
hold such documents. For annotations: ``def add(db: Database, doc: Document)``."""
from typing import Any, TypeAlias

from pymongo.client_session import ClientSession
from pymongo.collection import Collection as _Collection
from pymongo.database import Database as _Database

Document: TypeAlias = dict[str, Any]
Database: TypeAlias = _Database[Document]
Collection: TypeAlias = _Collection[Document]
Session: TypeAlias = ClientSession
